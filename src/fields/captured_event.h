// A frozen event: field values held by the event itself. Taken from a live event while it
// (and its process) still exists, or set one by one (a `rules test` case, a recorded event
// read back), then evaluated any number of times. What a recording holds, and what replay,
// rules test and the benchmarks evaluate. Evaluating one reads its own arrays: no /proc,
// no memory of another process, no heap.
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
  // No values yet: set() them.
  CapturedEvent(EventTypeId type, Channel channel) : type_(type), channel_(channel) {}
  // Values point into the event's own storage, which a copy would not carry.
  CapturedEvent(const CapturedEvent&) = delete;
  CapturedEvent& operator=(const CapturedEvent&) = delete;
  CapturedEvent(CapturedEvent&&) = default;

  // Holds a copy of `v` (strings and lists included) as the value of `ref`.
  void set(const FieldRef& ref, const Value& v);
  // A case is evaluated once per channel its event type can come from.
  void set_channel(Channel c) { channel_ = c; }

  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }
  // The exact reference; else an ancestor field's [N] (N >= 1) from its list, as a live
  // event answers it (the list starts with the parent); else missing, as for a live event
  // that cannot read it.
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
  void reindex();

  EventTypeId type_;
  Channel channel_;
  std::vector<Slot> slots_;          // ordered by field id
  std::vector<int32_t> first_;       // per field id: its first slot, or -1
  std::deque<std::string> strings_;  // a deque never moves its elements: views stay valid
  std::deque<std::vector<std::string_view>> lists_;
};

}  // namespace vigil::fields
