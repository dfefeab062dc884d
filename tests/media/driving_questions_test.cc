// The driving world's questions and answers: templates, word classes, and
// the training tokenizer.
#include "xsd/media/driving_questions.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd_catch.h"

namespace xsd {

// For Catch's messages about vectors of word classes.
std::ostream& operator<<(std::ostream& os, WordClass c) { return os << WordClassName(c); }

namespace {

DrivingObject Object(DrivingClass c, DrivingColor color, DrivingLane lane, DrivingMotion motion,
                     DrivingSpeed speed = DrivingSpeed::kSlow) {
  DrivingObject o;
  o.object_class = c;
  o.color = color;
  o.lane = lane;
  o.motion = motion;
  o.speed = speed;
  return o;
}

std::vector<std::string> Answers(const DrivingScene& s) {
  std::vector<std::string> out;
  for (const WorldQa& qa : DrivingQuestions(s)) out.push_back(qa.answer);
  return out;
}

TEST_CASE("Driving questions: eight, two of them from top50_questions.json", "[media][world]") {
  const std::vector<std::string>& q = DrivingQuestionTexts();
  REQUIRE(q.size() == 8);
  CHECK(q[3] == "Are there any pedestrians visible in the scene?");
  CHECK(q[7] == "Describe the following scene.");
  CHECK(std::set<std::string>(q.begin(), q.end()).size() == 8);
  const std::vector<WorldQa> qas = DrivingQuestions(MakeDrivingScene(0, 0));
  REQUIRE(qas.size() == 8);
  for (int i = 0; i < 8; ++i) {
    CHECK(qas[i].question_id == i);
    CHECK(qas[i].question == q[i]);
  }
}

TEST_CASE("Driving answers are the ground truth through the templates", "[media][world]") {
  DrivingScene a;
  a.objects = {Object(DrivingClass::kCar, DrivingColor::kRed, DrivingLane::kLeft, DrivingMotion::kLeft, DrivingSpeed::kFast),
               Object(DrivingClass::kBus, DrivingColor::kBlue, DrivingLane::kCenter, DrivingMotion::kStopped),
               Object(DrivingClass::kPedestrian, DrivingColor::kWhite, DrivingLane::kRight, DrivingMotion::kToward)};
  CHECK(Answers(a) == std::vector<std::string>{
                          "a car, a bus and a pedestrian.",
                          "a red car, a blue bus and a white pedestrian.",
                          "three objects: one car, one bus and one pedestrian.",
                          "yes, one pedestrian.",
                          "a car moves left, a bus is stopped and a pedestrian moves closer.",
                          "a car moves fast, a bus is stopped and a pedestrian moves slowly.",
                          "a car in the left lane, a bus in the center lane and a pedestrian in the right lane.",
                          "a red car moving left, a blue bus stopped and a white pedestrian moving closer.",
                      });
  DrivingScene b;
  b.light = DrivingLight::kNight;
  b.objects = {
      Object(DrivingClass::kCyclist, DrivingColor::kBlack, DrivingLane::kLeft, DrivingMotion::kAway, DrivingSpeed::kFast),
      Object(DrivingClass::kCyclist, DrivingColor::kGreen, DrivingLane::kRight, DrivingMotion::kRight)};
  CHECK(Answers(b) == std::vector<std::string>{
                          "two cyclists.",
                          "a black cyclist and a green cyclist.",
                          "two objects: two cyclists.",
                          "no, there are no pedestrians.",
                          "a cyclist moves away and a cyclist moves right.",
                          "a cyclist moves fast and a cyclist moves slowly.",
                          "a cyclist in the left lane and a cyclist in the right lane.",
                          "a black cyclist moving away and a green cyclist moving right.",
                      });
  DrivingScene c;
  c.objects = {Object(DrivingClass::kTruck, DrivingColor::kYellow, DrivingLane::kCenter, DrivingMotion::kStopped)};
  CHECK(Answers(c) == std::vector<std::string>{
                          "a truck.",
                          "a yellow truck.",
                          "one object: one truck.",
                          "no, there are no pedestrians.",
                          "a truck is stopped.",
                          "a truck is stopped.",
                          "a truck in the center lane.",
                          "a yellow truck stopped.",
                      });
  DrivingScene d;
  d.objects = {Object(DrivingClass::kPedestrian, DrivingColor::kRed, DrivingLane::kLeft, DrivingMotion::kRight),
               Object(DrivingClass::kBus, DrivingColor::kRed, DrivingLane::kCenter, DrivingMotion::kAway),
               Object(DrivingClass::kPedestrian, DrivingColor::kRed, DrivingLane::kRight, DrivingMotion::kLeft)};
  const std::vector<std::string> da = Answers(d);
  CHECK(da[0] == "a bus and two pedestrians.");  // classes in a fixed order: car, truck, bus, pedestrian, cyclist
  CHECK(da[2] == "three objects: one bus and two pedestrians.");
  CHECK(da[3] == "yes, two pedestrians.");

  // Word classes, by hand, for two answers of scene a.
  using W = WordClass;
  const std::vector<WorldQa> qa = DrivingQuestions(a);
  CHECK(qa[6].words == std::vector<std::string>{"a", "car", "in", "the", "left", "lane,", "a", "bus", "in", "the",
                                                "center", "lane", "and", "a", "pedestrian", "in", "the", "right",
                                                "lane."});
  CHECK(qa[6].word_classes == std::vector<W>{W::kOther, W::kClass, W::kOther, W::kOther, W::kLane, W::kOther,
                                             W::kOther, W::kClass, W::kOther, W::kOther, W::kLane, W::kOther,
                                             W::kOther, W::kOther, W::kClass, W::kOther, W::kOther, W::kLane,
                                             W::kOther});
  CHECK(qa[2].word_classes == std::vector<W>{W::kCount, W::kOther, W::kCount, W::kClass, W::kCount, W::kClass,
                                             W::kOther, W::kCount, W::kClass});
  CHECK(qa[4].word_classes == std::vector<W>{W::kOther, W::kClass, W::kMotion, W::kMotion, W::kOther, W::kClass,
                                             W::kMotion, W::kMotion, W::kOther, W::kOther, W::kClass, W::kMotion,
                                             W::kMotion});
}

std::string Bare(std::string w) {
  while (!w.empty() && std::string(",.:").find(w.back()) != std::string::npos) w.pop_back();
  return w;
}

TEST_CASE("Driving answers: every word classed, each class's words from its vocabulary", "[media][world]") {
  const std::map<WordClass, std::set<std::string>> vocabulary = {
      {WordClass::kColor, {"red", "blue", "green", "yellow", "white", "black"}},
      {WordClass::kClass, {"car", "cars", "truck", "trucks", "bus", "buses", "pedestrian", "pedestrians", "cyclist",
                           "cyclists"}},
      {WordClass::kCount, {"a", "no", "yes", "one", "two", "three"}},
      {WordClass::kLane, {"left", "center", "right"}},
      {WordClass::kMotion,
       {"moves", "moving", "is", "stopped", "left", "right", "closer", "away", "fast", "slowly"}},
      {WordClass::kOther, {"a", "and", "in", "the", "lane", "there", "are", "object", "objects"}},
  };
  size_t longest = 0;
  for (int i = 0; i < 1000; ++i) {
    const DrivingScene s = MakeDrivingScene(5, i);
    std::multiset<std::string> colors;
    for (const DrivingObject& o : s.objects) colors.insert(DrivingName(o.color));
    for (const WorldQa& qa : DrivingQuestions(s)) {
      INFO("scene " << i << " question " << qa.question_id << ": " << qa.answer);
      REQUIRE(qa.words.size() == qa.word_classes.size());
      CHECK(qa.words == std::vector<std::string>(absl::StrSplit(qa.answer, ' ')));
      CHECK(qa.answer.back() == '.');
      longest = std::max(longest, qa.words.size());
      std::multiset<std::string> color_words;
      for (size_t k = 0; k < qa.words.size(); ++k) {
        const std::string w = Bare(qa.words[k]);
        INFO("word '" << qa.words[k] << "' " << WordClassName(qa.word_classes[k]));
        CHECK(vocabulary.at(qa.word_classes[k]).count(w) == 1);
        if (qa.word_classes[k] == WordClass::kColor) color_words.insert(w);
      }
      // Both colour answers name every object's colour once.
      if (qa.question_id == 1 || qa.question_id == 7) {
        CHECK(color_words == colors);
      } else {
        CHECK(color_words.empty());
      }
    }
  }
  CHECK(longest <= 19);
}

TEST_CASE("Driving questions and answers tokenize without unknown or byte pieces", "[media][world]") {
  auto tokenizer = Tokenizer::Load(XSD_TEST_DATA_DIR "/tokenizer/llama");
  REQUIRE(tokenizer.ok());
  const Tokenizer& tok = **tokenizer;
  std::set<std::string> texts(DrivingQuestionTexts().begin(), DrivingQuestionTexts().end());
  std::set<std::string> answers;
  for (int i = 0; i < 2000; ++i) {
    for (const WorldQa& qa : DrivingQuestions(MakeDrivingScene(6, i))) answers.insert(qa.answer);
  }
  CHECK(answers.size() > 500);
  texts.insert(answers.begin(), answers.end());
  const std::string kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's word start
  for (const std::string& text : texts) {
    INFO(text);
    auto ids = tok.Encode(text, /*add_bos=*/false);
    REQUIRE(ids.ok());
    int word_starts = 0;
    for (TokenId id : *ids) {
      CHECK(id != tok.unk_id());
      CHECK(tok.TokenByte(id) == -1);
      auto piece = tok.IdToToken(id);
      REQUIRE(piece.ok());
      word_starts += piece->rfind(kSpace, 0) == 0;
    }
    // Each word's first piece starts with U+2581: tokens map to words by counting them.
    CHECK(word_starts == static_cast<int>(std::count(text.begin(), text.end(), ' ')) + 1);
    auto decoded = tok.Decode(*ids);
    REQUIRE(decoded.ok());
    CHECK(*decoded == text);
  }
}

}  // namespace
}  // namespace xsd
