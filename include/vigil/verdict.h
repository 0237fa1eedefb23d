// What a matched rule asks for, and Falco's eight priorities.
#pragma once

#include <optional>
#include <string_view>

namespace vigil {

// Grammar of a rule's action key:  action = alert | block | kill   (default alert)
enum class Action : uint8_t { kAlert, kBlock, kKill };

std::string_view action_name(Action a);
std::optional<Action> parse_action(std::string_view s);

// Falco's priorities, most severe first; numeric values equal syslog severities.
enum class Priority : uint8_t {
  kEmergency = 0,
  kAlert = 1,
  kCritical = 2,
  kError = 3,
  kWarning = 4,
  kNotice = 5,
  kInformational = 6,
  kDebug = 7,
};

std::string_view priority_name(Priority p);  // Falco's spelling: "Warning", "Critical", ...
std::optional<Priority> parse_priority(std::string_view s);  // case-insensitive, "info" too

}  // namespace vigil
