// A fake Event for tests: field values set by name ("proc.name", "evt.arg.flags",
// "proc.aname[2]"), everything else missing.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "src/fields/event_types.h"
#include "src/fields/registry.h"
#include "vigil/event.h"

namespace vigil::testing {

class FakeEvent : public Event {
 public:
  explicit FakeEvent(const std::string& type, Channel channel = Channel::kSyscall)
      : channel_(channel) {
    auto id = fields::find_event_type(type);
    type_ = id ? *id : EventTypeId(fields::kMaxEventTypes);
    strings_["evt.type"] = type;
  }
  FakeEvent& set(const std::string& name, const std::string& v) {
    strings_[name] = v;
    return *this;
  }
  FakeEvent& set_int(const std::string& name, int64_t v) {
    ints_[name] = v;
    return *this;
  }
  FakeEvent& set_bool(const std::string& name, bool v) {
    bools_[name] = v;
    return *this;
  }
  FakeEvent& set_list(const std::string& name, std::vector<std::string> v) {
    lists_[name] = std::move(v);
    views_[name].assign(lists_[name].begin(), lists_[name].end());
    return *this;
  }

  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }
  Value field(const FieldRef& ref) override {
    std::string name(fields::field_info(ref.id).name);
    if (!ref.key.empty()) name += "." + std::string(ref.key);
    if (ref.index >= 0) name += "[" + std::to_string(ref.index) + "]";
    if (auto it = strings_.find(name); it != strings_.end()) return Value::of(it->second);
    if (auto it = ints_.find(name); it != ints_.end()) return Value::of_int(it->second);
    if (auto it = bools_.find(name); it != bools_.end()) return Value::of_bool(it->second);
    if (auto it = views_.find(name); it != views_.end()) {
      return Value::list(it->second.data(), it->second.size());
    }
    return Value::none();
  }

 private:
  EventTypeId type_;
  Channel channel_;
  std::map<std::string, std::string> strings_;
  std::map<std::string, int64_t> ints_;
  std::map<std::string, bool> bools_;
  std::map<std::string, std::vector<std::string>> lists_;
  std::map<std::string, std::vector<std::string_view>> views_;
};

}  // namespace vigil::testing
