#include "jsonl_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"

namespace xsd::bench {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::string HeaderLine(const nlohmann::json& header) {
  nlohmann::json line = header;
  line["kind"] = "header";
  return line.dump() + "\n";
}

std::string RecordLine(const SampleRecord& record) {
  nlohmann::json line = RecordToJson(record);
  line["kind"] = "record";
  return line.dump() + "\n";
}

}  // namespace

std::string JsonlText(const nlohmann::json& header, const std::vector<SampleRecord>& records) {
  std::string text = HeaderLine(header);
  for (const SampleRecord& r : records) text += RecordLine(r);
  return text;
}

absl::StatusOr<JsonlContents> ReadJsonl(const std::string& path) {
  JsonlContents out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  size_t pos = 0;
  int line_no = 0;
  while (pos < data.size()) {
    ++line_no;
    const size_t nl = data.find('\n', pos);
    const bool complete = nl != std::string::npos;
    const std::string line = data.substr(pos, complete ? nl - pos : std::string::npos);
    const size_t next = complete ? nl + 1 : data.size();
    const bool last = next >= data.size();
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!complete || j.is_discarded()) {
      if (last) {  // a write cut short by a kill: ignore it
        out.torn_tail = true;
        break;
      }
      return absl::DataLossError(absl::StrCat(path, ":", line_no, ": not a JSON object (only the last line may be torn)"));
    }
    const std::string kind = j.is_object() && j.contains("kind") && j["kind"].is_string() ? j["kind"].get<std::string>() : "";
    if (kind == "header") {
      if (out.header.has_value() || !out.records.empty()) {
        return absl::DataLossError(absl::StrCat(path, ":", line_no, ": a header after the first line"));
      }
      out.header = std::move(j);
    } else if (kind == "record") {
      auto rec = RecordFromJson(j);
      if (!rec.ok()) return Annotate(rec.status(), absl::StrCat(path, ":", line_no));
      out.records.push_back(std::move(rec).value());
    } else {
      return absl::DataLossError(absl::StrCat(path, ":", line_no, ": expected \"kind\": \"header\" or \"record\""));
    }
    out.good_bytes = static_cast<int64_t>(next);
    pos = next;
  }
  return out;
}

JsonlStore::JsonlStore(std::string path, int fd, JsonlContents contents, int64_t byte_budget)
    : path_(std::move(path)), fd_(fd), byte_budget_(byte_budget), contents_(std::move(contents)) {
  for (const SampleRecord& r : contents_.records) keys_.insert(r.Key());
}

JsonlStore::~JsonlStore() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<JsonlStore>> JsonlStore::Open(const std::string& path,
                                                             const JsonlStoreOptions& options) {
  JsonlContents contents;
  if (::access(path.c_str(), F_OK) == 0) {
    XSD_ASSIGN_OR_RETURN(contents, ReadJsonl(path));
    const bool empty = !contents.header.has_value() && contents.records.empty();
    if (!options.resume && !empty) {
      return absl::FailedPreconditionError(absl::StrCat(path, ": holds ", contents.records.size(),
                                                        " finished samples; pass --resume to continue that run, or "
                                                        "choose another --output_dir"));
    }
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(absl::StrCat(path, ": cannot open for writing"));
  return std::unique_ptr<JsonlStore>(new JsonlStore(path, fd, std::move(contents), options.byte_budget));
}

absl::Status JsonlStore::CutToCompleteLines() {
  if (::ftruncate(fd_, contents_.good_bytes) != 0 || ::lseek(fd_, contents_.good_bytes, SEEK_SET) < 0) {
    return Errno(absl::StrCat(path_, ": cannot truncate to its last complete line"));
  }
  positioned_ = true;
  return absl::OkStatus();
}

absl::Status JsonlStore::WriteBytes(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    size_t want = text.size() - done;
    if (byte_budget_ >= 0) {
      const int64_t room = byte_budget_ - contents_.good_bytes - static_cast<int64_t>(done);
      if (room <= 0) {
        errno = ENOSPC;
        return Errno(absl::StrCat(path_, ": write"));
      }
      want = std::min(want, static_cast<size_t>(room));
    }
    const ssize_t n = ::write(fd_, text.data() + done, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(absl::StrCat(path_, ": write"));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) return Errno(absl::StrCat(path_, ": fsync"));
  return absl::OkStatus();
}

absl::Status JsonlStore::WriteLine(const std::string& text) {
  // The first write cuts a torn tail (or anything unusable) away; a store
  // that is opened and never written leaves the file as it was.
  if (!positioned_) XSD_RETURN_IF_ERROR(CutToCompleteLines());
  const absl::Status written = WriteBytes(text);
  if (!written.ok()) {
    // Cut the partial line now where the file system lets us; else the next
    // write (or a resume) does.
    positioned_ = false;
    CutToCompleteLines().IgnoreError();  // positions the store when it succeeds
    return written;
  }
  contents_.good_bytes += static_cast<int64_t>(text.size());
  return absl::OkStatus();
}

absl::Status JsonlStore::WriteHeader(const nlohmann::json& header) {
  if (contents_.header.has_value()) return absl::FailedPreconditionError(absl::StrCat(path_, ": already has a header"));
  XSD_RETURN_IF_ERROR(WriteLine(HeaderLine(header)));
  nlohmann::json line = header;
  line["kind"] = "header";
  contents_.header = std::move(line);
  return absl::OkStatus();
}

absl::Status JsonlStore::Append(const SampleRecord& record) {
  if (Has(record.Key())) {
    return absl::AlreadyExistsError(absl::StrCat(path_, ": ", record.config, " ", record.id, " is already recorded"));
  }
  XSD_RETURN_IF_ERROR(WriteLine(RecordLine(record)));
  contents_.records.push_back(record);
  keys_.insert(record.Key());
  return absl::OkStatus();
}

}  // namespace xsd::bench
