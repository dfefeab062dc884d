#include <cstdio>
#include <string>

#include "progress.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

// Everything written to a FILE*, read back.
class Capture {
 public:
  Capture() : file_(std::tmpfile()) {}
  ~Capture() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file_)) > 0) text.append(buffer, n);
    return text;
  }

 private:
  std::FILE* file_;
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST_CASE("Durations print as m:ss or h:mm:ss", "[bench][progress]") {
  CHECK(FormatDuration(0) == "0:00");
  CHECK(FormatDuration(62.4) == "1:02");
  CHECK(FormatDuration(3723) == "1:02:03");
  CHECK(FormatDuration(-1) == "?");
}

TEST_CASE("Off a terminal: a plain line every k samples and at the end", "[bench][progress]") {
  Capture out;
  ProgressOptions o;
  o.terminal = false;
  o.line_every_n = 4;
  o.line_every_s = 1e9;
  Progress p(o, out.file());
  p.Start(10, 0);
  for (int i = 0; i < 10; ++i) p.Step("cfg s/" + std::to_string(i));
  p.Finish();
  const std::string text = out.Text();
  INFO(text);
  CHECK(Count(text, "progress ") == 3);  // after 4, 8 and the last (10)
  CHECK(text.find("progress 4/10") != std::string::npos);
  CHECK(text.find("progress 10/10") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("done: 10 samples") != std::string::npos);
}

TEST_CASE("On a terminal: one bar redrawn in place", "[bench][progress]") {
  Capture out;
  ProgressOptions o;
  o.terminal = true;
  o.bar_width = 10;
  Progress p(o, out.file());
  p.Start(4, 2);  // two done before a resume
  p.Step("a");
  p.Step("b");
  p.Finish();
  const std::string text = out.Text();
  INFO(text);
  CHECK(text.find("resuming: 2 of 4") != std::string::npos);
  CHECK(Count(text, "\r\033[K") == 2);
  CHECK(text.find("4/4 [##########]") != std::string::npos);
  CHECK(text.find("3/4 [#######...]") != std::string::npos);
  CHECK(text.find("done: 2 samples") != std::string::npos);
}

TEST_CASE("Disabled progress prints nothing", "[bench][progress]") {
  Capture out;
  ProgressOptions o;
  o.enabled = false;
  Progress p(o, out.file());
  p.Start(3, 0);
  p.Step("x");
  p.Finish();
  CHECK(out.Text().empty());
}

}  // namespace
}  // namespace xsd::bench
