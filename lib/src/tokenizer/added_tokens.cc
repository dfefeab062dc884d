#include "tokenizer/added_tokens.h"

#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"

namespace xsd::tokenizer_internal {
namespace {

using Json = nlohmann::json;

struct Flags {
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
};

// Absent file: nullopt. Present but unreadable or not JSON: an error.
absl::StatusOr<std::optional<Json>> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<Json>();
  std::stringstream buffer;
  buffer << in.rdbuf();
  Json value = Json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  return std::optional<Json>(std::move(value));
}

absl::Status TypeError(const std::string& source, const std::string& key, const char* expected) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": '", key, "': expected ", expected));
}

// A token written as "text" or {"content": "text", ...}; null means none.
absl::StatusOr<std::optional<std::string>> TokenContent(const Json& v, const std::string& source,
                                                        const std::string& key) {
  if (v.is_null()) return std::optional<std::string>();
  if (v.is_string()) return std::optional<std::string>(v.get<std::string>());
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return std::optional<std::string>(v["content"].get<std::string>());
  }
  return TypeError(source, key, "a string or an object with a string 'content'");
}

absl::StatusOr<bool> OptionalBool(const Json& object, const char* field, const std::string& source,
                                  const std::string& key) {
  if (!object.contains(field) || object[field].is_null()) return false;
  if (!object[field].is_boolean()) return TypeError(source, absl::StrCat(key, ".", field), "a boolean");
  return object[field].get<bool>();
}

absl::StatusOr<Flags> ReadFlags(const Json& object, const std::string& source, const std::string& key) {
  Flags f;
  auto special = OptionalBool(object, "special", source, key);
  auto lstrip = OptionalBool(object, "lstrip", source, key);
  auto rstrip = OptionalBool(object, "rstrip", source, key);
  if (!special.ok()) return special.status();
  if (!lstrip.ok()) return lstrip.status();
  if (!rstrip.ok()) return rstrip.status();
  f.special = *special;
  f.lstrip = *lstrip;
  f.rstrip = *rstrip;
  return f;
}

// Collects declarations from several files and checks they agree.
class Registry {
 public:
  explicit Registry(const SpmModel& model) : model_(model) {}

  absl::Status Declare(const std::string& content, int64_t id, const std::optional<Flags>& flags,
                       const std::string& source) {
    const std::string what = absl::StrCat(source, ": added token '", content, "'");
    if (content.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": an added token has no content"));
    if (id < 0 || id > (int64_t{1} << 30)) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has the invalid id ", id));
    }
    const auto tid = static_cast<TokenId>(id);
    if (tid < model_.size() && model_.piece(tid).text != content) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has id ", tid, ", which is the piece '",
                                                     model_.piece(tid).text, "' of tokenizer.model"));
    }
    if (tid >= model_.size() && model_.FindPiece(content) != kNoToken) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has id ", tid, " but tokenizer.model has it as id ",
                                                     model_.FindPiece(content)));
    }
    if (auto it = by_content_.find(content); it != by_content_.end() && it->second != tid) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has id ", tid, " but ", by_id_[it->second].source,
                                                     " gives it id ", it->second));
    }
    if (auto it = by_id_.find(tid); it != by_id_.end() && it->second.token.content != content) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has id ", tid, ", already taken by '",
                                                     it->second.token.content, "' in ", it->second.source));
    }
    Entry& e = by_id_[tid];
    if (e.source.empty()) {
      e.token.content = content;
      e.token.id = tid;
      e.source = source;
      by_content_[content] = tid;
    }
    if (flags) {
      e.token.special = e.token.special || flags->special;
      e.token.lstrip = e.token.lstrip || flags->lstrip;
      e.token.rstrip = e.token.rstrip || flags->rstrip;
    }
    return absl::OkStatus();
  }

  // A token named special (or given a role) by a file: it must exist as an
  // added token or a piece; pieces become added tokens, as in transformers.
  absl::StatusOr<TokenId> MarkSpecial(const std::string& content, const std::string& source) {
    TokenId id = kNoToken;
    if (auto it = by_content_.find(content); it != by_content_.end()) {
      id = it->second;
    } else if (TokenId piece = model_.FindPiece(content); piece != kNoToken) {
      XSD_RETURN_IF_ERROR(Declare(content, piece, std::nullopt, source));
      id = piece;
    } else {
      XSD_LOG(WARNING) << source << ": special token '" << content
                       << "' is neither an added token nor a piece of tokenizer.model; ignored";
      return kNoToken;
    }
    by_id_[id].token.special = true;
    return id;
  }

  // A new special token after every id in use.
  absl::Status Append(const std::string& content, const std::string& source) {
    if (by_content_.count(content) || model_.FindPiece(content) != kNoToken) {
      return MarkSpecial(content, source).status();
    }
    TokenId next = model_.size();
    if (!by_id_.empty()) next = std::max(next, by_id_.rbegin()->first + 1);
    XSD_RETURN_IF_ERROR(Declare(content, next, Flags{true, false, false}, source));
    return absl::OkStatus();
  }

  std::vector<AddedToken> Tokens() const {
    std::vector<AddedToken> out;
    for (const auto& [id, e] : by_id_) out.push_back(e.token);
    return out;
  }

 private:
  struct Entry {
    AddedToken token;
    std::string source;  // the file that declared it first
  };
  const SpmModel& model_;
  std::map<TokenId, Entry> by_id_;
  std::map<std::string, TokenId> by_content_;
};

#define XSD_ASSIGN_JSON_OR_RETURN_(var, path)      \
  auto var##_or = ReadJson(path);                  \
  if (!var##_or.ok()) return var##_or.status();    \
  const std::optional<Json>& var = *var##_or

absl::Status ReadTokenizerJson(const std::string& path, Registry* reg) {
  XSD_ASSIGN_JSON_OR_RETURN_(doc, path);
  if (!doc || !doc->contains("added_tokens") || (*doc)["added_tokens"].is_null()) return absl::OkStatus();
  const Json& list = (*doc)["added_tokens"];
  if (!list.is_array()) return TypeError(path, "added_tokens", "a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string key = absl::StrCat("added_tokens[", i, "]");
    const Json& t = list[i];
    if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
        !t["content"].is_string()) {
      return TypeError(path, key, "an object with an integer 'id' and a string 'content'");
    }
    auto flags = ReadFlags(t, path, key);
    if (!flags.ok()) return flags.status();
    XSD_RETURN_IF_ERROR(reg->Declare(t["content"].get<std::string>(), t["id"].get<int64_t>(), *flags, path));
  }
  return absl::OkStatus();
}

absl::Status ReadConfigDecoder(const std::string& path, const Json& doc, Registry* reg) {
  if (!doc.contains("added_tokens_decoder") || doc["added_tokens_decoder"].is_null()) return absl::OkStatus();
  const Json& decoder = doc["added_tokens_decoder"];
  if (!decoder.is_object()) return TypeError(path, "added_tokens_decoder", "an object");
  for (auto it = decoder.begin(); it != decoder.end(); ++it) {
    const std::string key = absl::StrCat("added_tokens_decoder.", it.key());
    int64_t id;
    if (!absl::SimpleAtoi(it.key(), &id)) return TypeError(path, key, "an integer id as key");
    auto content = TokenContent(it.value(), path, key);
    if (!content.ok()) return content.status();
    if (!*content) return TypeError(path, key, "a token");
    std::optional<Flags> flags;
    if (it.value().is_object()) {
      auto f = ReadFlags(it.value(), path, key);
      if (!f.ok()) return f.status();
      flags = *f;
    }
    XSD_RETURN_IF_ERROR(reg->Declare(**content, id, flags, path));
  }
  return absl::OkStatus();
}

absl::Status ReadAddedTokensJson(const std::string& path, Registry* reg) {
  XSD_ASSIGN_JSON_OR_RETURN_(doc, path);
  if (!doc) return absl::OkStatus();
  if (!doc->is_object()) return TypeError(path, "(top level)", "an object of token -> id");
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    if (!it.value().is_number_integer()) return TypeError(path, it.key(), "an integer id");
    XSD_RETURN_IF_ERROR(reg->Declare(it.key(), it.value().get<int64_t>(), std::nullopt, path));
  }
  return absl::OkStatus();
}

// bos_token / eos_token / unk_token / pad_token and additional_special_tokens,
// as written in special_tokens_map.json and tokenizer_config.json.
absl::Status ReadRoles(const std::string& path, const Json& doc, Registry* reg, AddedTokens* out) {
  if (!doc.is_object()) return TypeError(path, "(top level)", "an object");
  const std::pair<const char*, TokenId*> roles[] = {
      {"bos_token", &out->bos}, {"eos_token", &out->eos}, {"unk_token", &out->unk}, {"pad_token", &out->pad}};
  for (const auto& [key, slot] : roles) {
    if (!doc.contains(key)) continue;
    auto content = TokenContent(doc[key], path, key);
    if (!content.ok()) return content.status();
    if (!*content) continue;
    auto id = reg->MarkSpecial(**content, path);
    if (!id.ok()) return id.status();
    if (*id != kNoToken) *slot = *id;
  }
  if (doc.contains("additional_special_tokens") && !doc["additional_special_tokens"].is_null()) {
    const Json& list = doc["additional_special_tokens"];
    if (!list.is_array()) return TypeError(path, "additional_special_tokens", "a list");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string key = absl::StrCat("additional_special_tokens[", i, "]");
      auto content = TokenContent(list[i], path, key);
      if (!content.ok()) return content.status();
      if (*content) XSD_RETURN_IF_ERROR(reg->MarkSpecial(**content, path).status());
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AddedTokens> LoadAddedTokens(const std::string& dir, const SpmModel& model,
                                            const std::vector<std::string>& extra_special) {
  Registry reg(model);
  AddedTokens out;
  // Declarations with ids first (each checked against the others), then the
  // files that only name tokens.
  XSD_RETURN_IF_ERROR(ReadTokenizerJson(dir + "/tokenizer.json", &reg));
  const std::string config_path = dir + "/tokenizer_config.json";
  XSD_ASSIGN_JSON_OR_RETURN_(config, config_path);
  if (config && !config->is_object()) return TypeError(config_path, "(top level)", "an object");
  if (config) XSD_RETURN_IF_ERROR(ReadConfigDecoder(config_path, *config, &reg));
  XSD_RETURN_IF_ERROR(ReadAddedTokensJson(dir + "/added_tokens.json", &reg));
  if (config) XSD_RETURN_IF_ERROR(ReadRoles(config_path, *config, &reg, &out));
  const std::string map_path = dir + "/special_tokens_map.json";
  XSD_ASSIGN_JSON_OR_RETURN_(special_map, map_path);
  if (special_map) XSD_RETURN_IF_ERROR(ReadRoles(map_path, *special_map, &reg, &out));
  for (const std::string& token : extra_special) {
    XSD_RETURN_IF_ERROR(reg.Append(token, "TokenizerOptions.extra_special_tokens"));
  }
  out.tokens = reg.Tokens();
  return out;
}

}  // namespace xsd::tokenizer_internal
