#include "io/json_file.h"

#include <fstream>
#include <sstream>
#include <system_error>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace xsd {
namespace {

using nlohmann::json;

// Type names for messages: nlohmann says "number" for 3 and 3.5 alike; an
// integer field holding 3.5 deserves "got float".
std::string KindOf(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "float";
  if (v.is_boolean()) return "boolean";
  return v.type_name();  // null, string, array, object
}

// Reads one element as T or says what it expected. `what` is the field path.
template <typename T>
absl::StatusOr<T> Convert(const json& v, const std::string& source, const std::string& what);

absl::Status WrongType(const std::string& source, const std::string& what, const char* expected, const json& v) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": field '", what, "': expected ", expected, ", got ", KindOf(v)));
}

template <>
absl::StatusOr<int64_t> Convert<int64_t>(const json& v, const std::string& source, const std::string& what) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": field '", what, "': ", v.dump(), " does not fit in 64-bit signed integer"));
    }
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return WrongType(source, what, "an integer", v);
}

template <>
absl::StatusOr<double> Convert<double>(const json& v, const std::string& source, const std::string& what) {
  if (v.is_number()) return v.get<double>();  // integers accepted: "eps": 1 is a number too
  return WrongType(source, what, "a number", v);
}

template <>
absl::StatusOr<bool> Convert<bool>(const json& v, const std::string& source, const std::string& what) {
  if (v.is_boolean()) return v.get<bool>();
  return WrongType(source, what, "a boolean", v);
}

template <>
absl::StatusOr<std::string> Convert<std::string>(const json& v, const std::string& source, const std::string& what) {
  if (v.is_string()) return v.get<std::string>();
  return WrongType(source, what, "a string", v);
}

}  // namespace

absl::StatusOr<json> ReadJsonFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a JSON file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open for reading"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat(path, ": read failed"));
  try {
    return json::parse(text.str());
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": invalid JSON at byte ", e.byte, ": ", e.what()));
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": invalid JSON: ", e.what()));
  }
}

absl::StatusOr<JsonObject> JsonObject::Make(const nlohmann::json* value, std::string source) {
  if (value == nullptr || !value->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected a JSON object, got ", value == nullptr ? "nothing" : KindOf(*value)));
  }
  return JsonObject(value, std::move(source));
}

bool JsonObject::Has(const std::string& key) const { return value_->is_object() && value_->contains(key); }

const nlohmann::json* JsonObject::Lookup(const std::string& key) const {
  if (!value_->is_object()) return nullptr;
  auto it = value_->find(key);
  return it == value_->end() ? nullptr : &*it;
}

absl::Status JsonObject::Missing(const std::string& key) const {
  if (!value_->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": field '", prefix_, key, "': the enclosing value is a ",
                                                   KindOf(*value_), ", not an object"));
  }
  return absl::NotFoundError(absl::StrCat(source_, ": field '", prefix_, key, "': missing"));
}

template <typename T>
absl::StatusOr<T> JsonObject::Required(const std::string& key) const {
  const nlohmann::json* v = Lookup(key);
  if (v == nullptr) return Missing(key);
  return Convert<T>(*v, source_, prefix_ + key);
}

template <typename T>
absl::StatusOr<T> JsonObject::Optional(const std::string& key, T fallback) const {
  if (!value_->is_object()) return Missing(key);
  const nlohmann::json* v = Lookup(key);
  if (v == nullptr || v->is_null()) return fallback;
  return Convert<T>(*v, source_, prefix_ + key);
}

template <typename T>
absl::StatusOr<std::vector<T>> JsonObject::List(const std::string& key) const {
  const nlohmann::json* v = Lookup(key);
  if (v == nullptr) return Missing(key);
  if (!v->is_array()) return WrongType(source_, prefix_ + key, "an array", *v);
  std::vector<T> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    absl::StatusOr<T> item = Convert<T>((*v)[i], source_, absl::StrCat(prefix_, key, "[", i, "]"));
    if (!item.ok()) return item.status();
    out.push_back(*std::move(item));
  }
  return out;
}

absl::StatusOr<int64_t> JsonObject::Int(const std::string& key) const { return Required<int64_t>(key); }
absl::StatusOr<double> JsonObject::Double(const std::string& key) const { return Required<double>(key); }
absl::StatusOr<bool> JsonObject::Bool(const std::string& key) const { return Required<bool>(key); }
absl::StatusOr<std::string> JsonObject::String(const std::string& key) const { return Required<std::string>(key); }

absl::StatusOr<JsonObject> JsonObject::Object(const std::string& key) const {
  const nlohmann::json* v = Lookup(key);
  if (v == nullptr) return Missing(key);
  if (!v->is_object()) return WrongType(source_, prefix_ + key, "an object", *v);
  return JsonObject(v, source_, absl::StrCat(prefix_, key, "."));
}

absl::StatusOr<std::vector<int64_t>> JsonObject::IntList(const std::string& key) const { return List<int64_t>(key); }
absl::StatusOr<std::vector<double>> JsonObject::DoubleList(const std::string& key) const { return List<double>(key); }
absl::StatusOr<std::vector<std::string>> JsonObject::StringList(const std::string& key) const {
  return List<std::string>(key);
}

absl::StatusOr<int64_t> JsonObject::Int(const std::string& key, int64_t fallback) const {
  return Optional<int64_t>(key, fallback);
}
absl::StatusOr<double> JsonObject::Double(const std::string& key, double fallback) const {
  return Optional<double>(key, fallback);
}
absl::StatusOr<bool> JsonObject::Bool(const std::string& key, bool fallback) const {
  return Optional<bool>(key, fallback);
}
absl::StatusOr<std::string> JsonObject::String(const std::string& key, const std::string& fallback) const {
  return Optional<std::string>(key, fallback);
}

}  // namespace xsd
