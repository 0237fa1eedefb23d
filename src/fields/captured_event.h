// A frozen copy of what one live event gave for a set of field references: taken once,
// while the live event (and its process) still exists, then evaluated any number of times.
// What a record of real events holds, and what replay and the benchmarks evaluate.
// Evaluating one reads its own arrays: no /proc, no memory of another process, no heap.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "vigil/event.h"

namespace vigil::fields {

class CapturedEvent final : public Event {
 public:
  // Asks `live` for every reference in `refs` (a value it cannot supply is kept as
  // missing) and copies the values.
  CapturedEvent(Event& live, const std::vector<FieldRef>& refs);
  // Values point into the event's own storage, which a copy would not carry.
  CapturedEvent(const CapturedEvent&) = delete;
  CapturedEvent& operator=(const CapturedEvent&) = delete;
  CapturedEvent(CapturedEvent&&) = default;

  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }
  // A reference that was not captured is missing, as for a live event that cannot read it.
  Value field(const FieldRef& ref) override;

  size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    FieldId id;
    int32_t index;
    std::string key;
    Value value;
  };
  Value keep(const Value& v);

  EventTypeId type_;
  Channel channel_;
  std::vector<Slot> slots_;          // ordered by field id
  std::vector<int32_t> first_;       // per field id: its first slot, or -1
  std::deque<std::string> strings_;  // a deque never moves its elements: views stay valid
  std::deque<std::vector<std::string_view>> lists_;
};

}  // namespace vigil::fields
