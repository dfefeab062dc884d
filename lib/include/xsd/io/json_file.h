// Typed access to JSON files (config.json, tokenizer_config.json, dataset
// instruction files) with errors that name the file and the key:
//   "ckpt/config.json: field 'num_attention_heads': expected an integer, got string"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace xsd {

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

// A JSON object plus where it came from, for error messages.
class JsonObject {
 public:
  JsonObject(const nlohmann::json* value, std::string source, std::string prefix = "")
      : value_(value), source_(std::move(source)), prefix_(std::move(prefix)) {}

  bool Has(const std::string& key) const;
  // Required fields: NotFound / InvalidArgument naming source and key.
  absl::StatusOr<int64_t> Int(const std::string& key) const;
  absl::StatusOr<double> Double(const std::string& key) const;  // integers accepted
  absl::StatusOr<bool> Bool(const std::string& key) const;
  absl::StatusOr<std::string> String(const std::string& key) const;
  absl::StatusOr<JsonObject> Object(const std::string& key) const;
  absl::StatusOr<std::vector<int64_t>> IntList(const std::string& key) const;
  absl::StatusOr<std::vector<double>> DoubleList(const std::string& key) const;
  // Optional fields: the default when absent or null; a wrong type is still an error.
  absl::StatusOr<int64_t> Int(const std::string& key, int64_t fallback) const;
  absl::StatusOr<double> Double(const std::string& key, double fallback) const;
  absl::StatusOr<bool> Bool(const std::string& key, bool fallback) const;
  absl::StatusOr<std::string> String(const std::string& key, const std::string& fallback) const;

  const nlohmann::json& json() const { return *value_; }
  const std::string& source() const { return source_; }
  // Path of this object inside the file ("text_config."), for messages about
  // fields the caller validates itself.
  const std::string& prefix() const { return prefix_; }

 private:
  const nlohmann::json* value_;  // not owned
  std::string source_;
  std::string prefix_;           // "text_config." for nested objects
};

}  // namespace xsd
