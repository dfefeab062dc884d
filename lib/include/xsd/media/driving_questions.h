// Questions about a driving scene (driving_scene.h) and their answers, made
// from the ground truth by fixed templates (docs/world.md), so acceptance
// can be reported per kind of word: each answer word carries the class of
// the template slot it fills (colour words kColor, lane words kLane, ...);
// the templates' own words are kOther.
//
// Answers are lower case, words separated by single spaces, punctuation
// attached to the word before it ("a red car, a blue bus and ..."); objects
// are listed left to right by lane. No OpenCV; deterministic.
#pragma once

#include <string>
#include <vector>

#include "xsd/media/driving_scene.h"

namespace xsd {

enum class WordClass { kMotion, kColor, kClass, kCount, kLane, kOther };

// "motion", "color", "class", "count", "lane", "other".
const char* WordClassName(WordClass c);

struct WorldQa {
  int question_id = 0;     // index into DrivingQuestionTexts()
  std::string question;
  std::string answer;
  std::vector<std::string> words;         // the answer split at its spaces
  std::vector<WordClass> word_classes;    // one per word
};

// The world's questions, in question_id order (two of them verbatim from
// top50_questions.json, the others in its style; docs/world.md).
const std::vector<std::string>& DrivingQuestionTexts();

// Every question of DrivingQuestionTexts() with its answer for `scene`.
std::vector<WorldQa> DrivingQuestions(const DrivingScene& scene);

}  // namespace xsd
