// An allocation-free Event for benchmarks and allocation tests: values by field id, keyed
// and indexed values in small arrays, all storage built up front.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "src/fields/event_types.h"
#include "src/fields/registry.h"
#include "vigil/event.h"

namespace vigil::testing {

class SyntheticEvent final : public Event {
 public:
  SyntheticEvent(const std::string& type, Channel channel) : channel_(channel) {
    type_ = *fields::find_event_type(type);
    by_id_.resize(fields::supported_fields().size());
    set("evt.type", type);
  }
  SyntheticEvent& set(const std::string& name, const std::string& v) {
    storage_.push_back(std::make_unique<std::string>(v));
    return put(name, Value::of(*storage_.back()));
  }
  SyntheticEvent& set_int(const std::string& name, int64_t v) {
    return put(name, Value::of_int(v));
  }
  SyntheticEvent& set_bool(const std::string& name, bool v) { return put(name, Value::of_bool(v)); }
  SyntheticEvent& set_list(const std::string& name, const std::vector<std::string>& items) {
    auto& views = lists_.emplace_back();
    for (const auto& s : items) {
      storage_.push_back(std::make_unique<std::string>(s));
      views.push_back(*storage_.back());
    }
    for (size_t i = 0; i < views.size(); ++i) {
      indexed_.push_back({fields::find_field(name)->id, int32_t(i), Value::of(views[i])});
    }
    return put(name, Value::list(views.data(), views.size()));
  }

  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }
  Value field(const FieldRef& ref) override {
    if (!ref.key.empty()) {
      for (const auto& k : keyed_)
        if (k.id == ref.id && k.key == ref.key) return k.value;
      return Value::none();
    }
    if (ref.index >= 0) {
      for (const auto& k : indexed_)
        if (k.id == ref.id && k.index == ref.index) return k.value;
      return Value::none();
    }
    return by_id_[ref.id];
  }

 private:
  struct Keyed {
    FieldId id;
    std::string key;
    Value value;
  };
  struct Indexed {
    FieldId id;
    int32_t index;
    Value value;
  };
  SyntheticEvent& put(const std::string& name, Value v) {
    auto f = fields::find_field(name);
    if (!f) std::abort();
    if (!f->key.empty()) {
      keyed_.push_back({f->id, f->key, v});
    } else {
      by_id_[f->id] = v;
    }
    return *this;
  }
  EventTypeId type_;
  Channel channel_;
  std::vector<Value> by_id_;
  std::vector<Keyed> keyed_;
  std::vector<Indexed> indexed_;
  std::vector<std::unique_ptr<std::string>> storage_;
  std::vector<std::vector<std::string_view>> lists_;
};

}  // namespace vigil::testing
