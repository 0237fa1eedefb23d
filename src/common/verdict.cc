// Names and parsing for actions and Falco priorities.
#include "vigil/verdict.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace vigil {
namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}
}  // namespace

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kAlert:
      return "alert";
    case Action::kBlock:
      return "block";
    case Action::kKill:
      return "kill";
  }
  return "?";
}

std::optional<Action> parse_action(std::string_view s) {
  const std::string l = lower(s);
  if (l == "alert") return Action::kAlert;
  if (l == "block") return Action::kBlock;
  if (l == "kill") return Action::kKill;
  return std::nullopt;
}

std::string_view priority_name(Priority p) {
  switch (p) {
    case Priority::kEmergency:
      return "Emergency";
    case Priority::kAlert:
      return "Alert";
    case Priority::kCritical:
      return "Critical";
    case Priority::kError:
      return "Error";
    case Priority::kWarning:
      return "Warning";
    case Priority::kNotice:
      return "Notice";
    case Priority::kInformational:
      return "Informational";
    case Priority::kDebug:
      return "Debug";
  }
  return "?";
}

std::optional<Priority> parse_priority(std::string_view s) {
  const std::string l = lower(s);
  if (l == "emergency") return Priority::kEmergency;
  if (l == "alert") return Priority::kAlert;
  if (l == "critical") return Priority::kCritical;
  if (l == "error") return Priority::kError;
  if (l == "warning") return Priority::kWarning;
  if (l == "notice") return Priority::kNotice;
  if (l == "informational" || l == "info") return Priority::kInformational;
  if (l == "debug") return Priority::kDebug;
  return std::nullopt;
}

}  // namespace vigil
