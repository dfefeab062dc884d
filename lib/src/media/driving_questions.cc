// The driving world's answer templates (docs/world.md lists them).
#include "xsd/media/driving_questions.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace xsd {
namespace {

enum Question {
  kObjects,
  kColors,
  kHowMany,
  kPedestrians,
  kDoing,
  kHowFast,
  kLanes,
  kDescribe,
};

// Words with their classes; a phrase's words all take the phrase's class.
class Answer {
 public:
  Answer& Add(const std::string& phrase, WordClass c) {
    for (absl::string_view w : absl::StrSplit(phrase, ' ')) {
      words_.emplace_back(w);
      classes_.push_back(c);
    }
    return *this;
  }
  // Punctuation joins the word before it.
  Answer& Punct(const char* p) {
    words_.back() += p;
    return *this;
  }
  // items[0], items[1] and items[2]
  Answer& List(int n, const std::function<void(int)>& item) {
    for (int i = 0; i < n; ++i) {
      if (i > 0 && i == n - 1) Add("and", WordClass::kOther);
      item(i);
      if (i < n - 2) Punct(",");
    }
    return *this;
  }
  WorldQa Finish(int id) {
    Punct(".");
    WorldQa qa;
    qa.question_id = id;
    qa.question = DrivingQuestionTexts()[id];
    qa.answer = absl::StrJoin(words_, " ");
    qa.words = std::move(words_);
    qa.word_classes = std::move(classes_);
    return qa;
  }

 private:
  std::vector<std::string> words_;
  std::vector<WordClass> classes_;
};

std::string Noun(DrivingClass c, int n) {
  std::string s = DrivingName(c);
  if (n == 1) return s;
  return c == DrivingClass::kBus ? s + "es" : s + "s";
}

const char* NumberWord(int n) {
  static const char* const kWords[] = {"no", "one", "two", "three"};
  return n >= 0 && n <= 3 ? kWords[n] : "many";
}

// The classes present, in enum order, with their counts.
std::vector<std::pair<DrivingClass, int>> Groups(const DrivingScene& scene) {
  std::vector<std::pair<DrivingClass, int>> groups;
  for (int c = 0; c <= static_cast<int>(DrivingClass::kCyclist); ++c) {
    const int n = scene.CountOf(static_cast<DrivingClass>(c));
    if (n > 0) groups.emplace_back(static_cast<DrivingClass>(c), n);
  }
  return groups;
}

const char* MovesPhrase(DrivingMotion m) {
  switch (m) {
    case DrivingMotion::kLeft: return "moves left";
    case DrivingMotion::kRight: return "moves right";
    case DrivingMotion::kToward: return "moves closer";
    case DrivingMotion::kAway: return "moves away";
    case DrivingMotion::kStopped: return "is stopped";
  }
  return "is stopped";
}

const char* MovingPhrase(DrivingMotion m) {
  switch (m) {
    case DrivingMotion::kLeft: return "moving left";
    case DrivingMotion::kRight: return "moving right";
    case DrivingMotion::kToward: return "moving closer";
    case DrivingMotion::kAway: return "moving away";
    case DrivingMotion::kStopped: return "stopped";
  }
  return "stopped";
}

const char* SpeedPhrase(const DrivingObject& o) {
  if (o.motion == DrivingMotion::kStopped) return "is stopped";
  return o.speed == DrivingSpeed::kFast ? "moves fast" : "moves slowly";
}

WorldQa AnswerFor(const DrivingScene& scene, int id) {
  Answer a;
  const std::vector<DrivingObject>& objects = scene.objects;
  const int n = static_cast<int>(objects.size());
  if (id == kPedestrians) {
    const int p = scene.CountOf(DrivingClass::kPedestrian);
    if (p == 0) {
      a.Add("no", WordClass::kCount).Punct(",").Add("there are", WordClass::kOther).Add("no", WordClass::kCount);
      a.Add(Noun(DrivingClass::kPedestrian, 2), WordClass::kClass);
    } else {
      a.Add("yes", WordClass::kCount).Punct(",").Add(NumberWord(p), WordClass::kCount);
      a.Add(Noun(DrivingClass::kPedestrian, p), WordClass::kClass);
    }
    return a.Finish(id);
  }
  if (n == 0) {
    a.Add("there are", WordClass::kOther).Add("no", WordClass::kCount).Add("objects", WordClass::kOther);
    return a.Finish(id);
  }
  const auto groups = Groups(scene);
  auto object_item = [&](int i, auto&& tail) {
    a.Add("a", WordClass::kOther);
    tail(objects[i]);
  };
  switch (id) {
    case kObjects:
      a.List(static_cast<int>(groups.size()), [&](int g) {
        a.Add(groups[g].second == 1 ? "a" : NumberWord(groups[g].second), WordClass::kCount);
        a.Add(Noun(groups[g].first, groups[g].second), WordClass::kClass);
      });
      break;
    case kColors:
      a.List(n, [&](int i) {
        object_item(i, [&](const DrivingObject& o) {
          a.Add(DrivingName(o.color), WordClass::kColor).Add(DrivingName(o.object_class), WordClass::kClass);
        });
      });
      break;
    case kHowMany:
      a.Add(NumberWord(n), WordClass::kCount).Add(n == 1 ? "object" : "objects", WordClass::kOther).Punct(":");
      a.List(static_cast<int>(groups.size()), [&](int g) {
        a.Add(NumberWord(groups[g].second), WordClass::kCount);
        a.Add(Noun(groups[g].first, groups[g].second), WordClass::kClass);
      });
      break;
    case kDoing:
      a.List(n, [&](int i) {
        object_item(i, [&](const DrivingObject& o) {
          a.Add(DrivingName(o.object_class), WordClass::kClass).Add(MovesPhrase(o.motion), WordClass::kMotion);
        });
      });
      break;
    case kHowFast:
      a.List(n, [&](int i) {
        object_item(i, [&](const DrivingObject& o) {
          a.Add(DrivingName(o.object_class), WordClass::kClass).Add(SpeedPhrase(o), WordClass::kMotion);
        });
      });
      break;
    case kLanes:
      a.List(n, [&](int i) {
        object_item(i, [&](const DrivingObject& o) {
          a.Add(DrivingName(o.object_class), WordClass::kClass).Add("in the", WordClass::kOther);
          a.Add(DrivingName(o.lane), WordClass::kLane).Add("lane", WordClass::kOther);
        });
      });
      break;
    case kDescribe:
      a.List(n, [&](int i) {
        object_item(i, [&](const DrivingObject& o) {
          a.Add(DrivingName(o.color), WordClass::kColor).Add(DrivingName(o.object_class), WordClass::kClass);
          a.Add(MovingPhrase(o.motion), WordClass::kMotion);
        });
      });
      break;
    default:
      break;
  }
  return a.Finish(id);
}

}  // namespace

const char* WordClassName(WordClass c) {
  static const char* const kNames[] = {"motion", "color", "class", "count", "lane", "other"};
  return kNames[static_cast<int>(c)];
}

const std::vector<std::string>& DrivingQuestionTexts() {
  static const std::vector<std::string> kQuestions = {
      "What objects are present in the scene?",
      "What colors are the objects in the scene?",
      "How many objects are visible in the scene?",
      "Are there any pedestrians visible in the scene?",  // top50_questions.json
      "What are the objects doing in the scene?",
      "How fast are the objects moving?",
      "Which lanes are the objects in?",
      "Describe the following scene.",  // top50_questions.json
  };
  return kQuestions;
}

std::vector<WorldQa> DrivingQuestions(const DrivingScene& scene) {
  std::vector<WorldQa> out;
  for (int id = 0; id < static_cast<int>(DrivingQuestionTexts().size()); ++id) out.push_back(AnswerFor(scene, id));
  return out;
}

}  // namespace xsd
