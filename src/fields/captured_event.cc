#include "src/fields/captured_event.h"

#include <algorithm>

namespace vigil::fields {

CapturedEvent::CapturedEvent(Event& live, const std::vector<FieldRef>& refs)
    : type_(live.type()), channel_(live.channel()) {
  slots_.reserve(refs.size());
  for (const auto& ref : refs) {
    slots_.push_back({ref.id, ref.index, std::string(ref.key), keep(live.field(ref))});
  }
  reindex();
}

void CapturedEvent::set(const FieldRef& ref, const Value& v) {
  slots_.push_back({ref.id, ref.index, std::string(ref.key), keep(v)});
  reindex();
}

// Slots in field-id order, and where each id's first slot is.
void CapturedEvent::reindex() {
  std::stable_sort(slots_.begin(), slots_.end(),
                   [](const Slot& a, const Slot& b) { return a.id < b.id; });
  FieldId max_id = 0;
  for (const auto& s : slots_) max_id = std::max(max_id, s.id);
  first_.assign(slots_.empty() ? 0 : size_t(max_id) + 1, -1);
  for (size_t i = slots_.size(); i-- > 0;) first_[slots_[i].id] = int32_t(i);
}

Value CapturedEvent::keep(const Value& v) {
  switch (v.kind) {
    case ValueKind::kString:
      return Value::of(strings_.emplace_back(v.str));
    case ValueKind::kStringList: {
      auto& views = lists_.emplace_back();
      views.reserve(v.count);
      for (size_t i = 0; i < v.count; ++i) views.push_back(strings_.emplace_back(v.items[i]));
      return Value::list(views.data(), views.size());
    }
    default:
      return v;  // numbers, booleans and missing values own nothing
  }
}

Value CapturedEvent::field(const FieldRef& ref) {
  if (ref.id >= first_.size() || first_[ref.id] < 0) return Value::none();
  const Value* list = nullptr;
  for (size_t i = size_t(first_[ref.id]); i < slots_.size() && slots_[i].id == ref.id; ++i) {
    const Slot& s = slots_[i];
    if (s.index == ref.index && s.key == ref.key) return s.value;
    if (s.index < 0 && s.value.kind == ValueKind::kStringList) list = &s.value;
  }
  if (list && ref.index >= 1 && size_t(ref.index) <= list->count) {
    return Value::of(list->items[ref.index - 1]);
  }
  return Value::none();
}

}  // namespace vigil::fields
