// Typed access to JSON files (config.json, tokenizer_config.json, dataset
// instruction files) with errors that name the file and the key:
//   "ckpt/config.json: field 'text_config.num_attention_heads': expected an integer, got string"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace xsd {

// The parsed file. NotFound naming the path when it does not exist;
// InvalidArgument with the parser's byte position when it is malformed.
absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

// Typed, checked reads of one JSON object, with messages naming the source
// (usually the file path) and the dotted path of the field.
//
// Ownership: a JsonObject does NOT own the json it points into; the json
// (typically the value returned by ReadJsonFile) must outlive it and every
// JsonObject obtained from it through Object(). Cheap to copy; thread-safe
// for concurrent reads while nobody modifies the json.
//
// Errors: a missing required field is NotFound; a value of the wrong type
// (null included) is InvalidArgument. Integers are int64; a float where an
// integer is expected is an error ("got float"), an integer where a double is
// expected is accepted. When the value itself is not an object, every getter
// answers InvalidArgument and Has answers false.
class JsonObject {
 public:
  // `value` is not owned and must not be null. `prefix` is prepended to keys
  // in messages ("text_config." for nested objects).
  JsonObject(const nlohmann::json* value, std::string source, std::string prefix = "")
      : value_(value), source_(std::move(source)), prefix_(std::move(prefix)) {}
  // Same, but first checks that `value` is a JSON object (InvalidArgument
  // naming `source` otherwise): use it on the root of a file.
  static absl::StatusOr<JsonObject> Make(const nlohmann::json* value, std::string source);

  // True when the key is present, even with a null value.
  bool Has(const std::string& key) const;
  // Required fields: NotFound / InvalidArgument naming source and key.
  absl::StatusOr<int64_t> Int(const std::string& key) const;
  absl::StatusOr<double> Double(const std::string& key) const;  // integers accepted
  absl::StatusOr<bool> Bool(const std::string& key) const;
  absl::StatusOr<std::string> String(const std::string& key) const;
  absl::StatusOr<JsonObject> Object(const std::string& key) const;  // points into the same json
  // Arrays; a wrong element is named "key[i]".
  absl::StatusOr<std::vector<int64_t>> IntList(const std::string& key) const;
  absl::StatusOr<std::vector<double>> DoubleList(const std::string& key) const;
  absl::StatusOr<std::vector<std::string>> StringList(const std::string& key) const;
  // Optional fields: the fallback when absent or null; a wrong type is still an error.
  absl::StatusOr<int64_t> Int(const std::string& key, int64_t fallback) const;
  absl::StatusOr<double> Double(const std::string& key, double fallback) const;
  absl::StatusOr<bool> Bool(const std::string& key, bool fallback) const;
  absl::StatusOr<std::string> String(const std::string& key, const std::string& fallback) const;

  const nlohmann::json& json() const { return *value_; }
  const std::string& source() const { return source_; }
  const std::string& prefix() const { return prefix_; }

 private:
  const nlohmann::json* Lookup(const std::string& key) const;  // nullptr when absent
  absl::Status Missing(const std::string& key) const;
  template <typename T>
  absl::StatusOr<T> Required(const std::string& key) const;
  template <typename T>
  absl::StatusOr<T> Optional(const std::string& key, T fallback) const;
  template <typename T>
  absl::StatusOr<std::vector<T>> List(const std::string& key) const;

  const nlohmann::json* value_;  // not owned
  std::string source_;
  std::string prefix_;           // "text_config." for nested objects
};

}  // namespace xsd
