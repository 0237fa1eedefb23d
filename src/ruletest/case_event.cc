#include "src/ruletest/case_event.h"

namespace vigil::ruletest {

void CaseEvent::set(FieldId id, int32_t index, const std::string& key, const std::string& value) {
  slots_.push_back({id, index, key, Value::of(strings_.emplace_back(value))});
}

void CaseEvent::set_int(FieldId id, int32_t index, const std::string& key, int64_t value) {
  slots_.push_back({id, index, key, Value::of_int(value)});
}

void CaseEvent::set_bool(FieldId id, int32_t index, const std::string& key, bool value) {
  slots_.push_back({id, index, key, Value::of_bool(value)});
}

void CaseEvent::set_list(FieldId id, int32_t index, const std::string& key,
                         const std::vector<std::string>& items) {
  auto& views = lists_.emplace_back();
  for (const auto& s : items) views.push_back(strings_.emplace_back(s));
  slots_.push_back({id, index, key, Value::list(views.data(), views.size())});
}

Value CaseEvent::field(const FieldRef& ref) {
  for (const auto& s : slots_) {
    if (s.id == ref.id && s.index == ref.index && s.key == ref.key) return s.value;
  }
  if (ref.index >= 1) {
    for (const auto& s : slots_) {
      if (s.id == ref.id && s.index < 0 && s.value.kind == ValueKind::kStringList &&
          size_t(ref.index) <= s.value.count) {
        return Value::of(s.value.items[ref.index - 1]);
      }
    }
  }
  return Value::none();
}

}  // namespace vigil::ruletest
