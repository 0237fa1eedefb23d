// The event of one `vigil rules test` case: the field values the case gives, nothing else
// (a field it does not give is missing, <NA>, as for an event that cannot supply it).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "src/fields/registry.h"
#include "vigil/event.h"

namespace vigil::ruletest {

class CaseEvent final : public Event {
 public:
  explicit CaseEvent(EventTypeId type) : type_(type) {}
  CaseEvent(const CaseEvent&) = delete;
  CaseEvent& operator=(const CaseEvent&) = delete;

  // Values are copied. `key`/`index` as the rules write them (evt.arg.flags, proc.aname[2]).
  void set(FieldId id, int32_t index, const std::string& key, const std::string& value);
  void set_int(FieldId id, int32_t index, const std::string& key, int64_t value);
  void set_bool(FieldId id, int32_t index, const std::string& key, bool value);
  void set_list(FieldId id, int32_t index, const std::string& key,
                const std::vector<std::string>& items);

  // A case is evaluated once per channel its event type can come from.
  void set_channel(Channel c) { channel_ = c; }

  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }
  // The exact reference first; an ancestor field's [N] (N >= 1) from its list, as a live
  // event does (the list starts with the parent).
  Value field(const FieldRef& ref) override;

 private:
  struct Slot {
    FieldId id;
    int32_t index;
    std::string key;
    Value value;
  };
  EventTypeId type_;
  Channel channel_ = Channel::kSyscall;
  std::vector<Slot> slots_;
  std::deque<std::string> strings_;
  std::deque<std::vector<std::string_view>> lists_;
};

}  // namespace vigil::ruletest
