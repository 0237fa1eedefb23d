// Evaluation through the (channel, event type) index, and output rendering.
#include "src/rules/compiled_rules.h"

#include <algorithm>

#include "src/fields/registry.h"

namespace vigil::rules {

size_t CompiledRuleSet::evaluate(Event& e, uint32_t* out, size_t capacity) const {
  const auto type = e.type();
  if (type >= fields::kMaxEventTypes) return 0;
  const auto& candidates = index_[size_t(e.channel())][type];
  // Per-thread memo of check results; it grows once to the number of distinct checks.
  thread_local std::vector<uint64_t> stamps;
  thread_local uint64_t generation = 0;
  if (stamps.size() < checks_.size()) stamps.assign(checks_.size(), 0);
  const CheckMemo memo{stamps.data(), ++generation};
  size_t n = 0;
  for (uint32_t id : candidates) {
    if (n >= capacity) break;
    if (rules_[id].program->eval(e, memo)) {
      out[n++] = id;
      if (matching_ == RuleMatching::kFirst) break;
    }
  }
  return n;
}

namespace {

// The event as seen by the path-only analysis.
class FileOnlyView final : public Event {
 public:
  explicit FileOnlyView(Event& e) : e_(e) {}
  EventTypeId type() const override { return e_.type(); }
  Channel channel() const override { return e_.channel(); }
  Value field(const FieldRef& ref) override {
    return fields::field_info(ref.id).cache_known ? e_.field(ref) : Value::unknown();
  }

 private:
  Event& e_;
};

// The event as seen by the analysis of every file in one directory: fd.name is the
// directory plus an unknown name, fd.directory is the directory, other fd.* are unknown.
class DirectoryView final : public Event {
 public:
  DirectoryView(Event& e, std::string_view dir)
      : e_(e), dir_(dir), dir_slash_(dir == "/" ? std::string("/") : std::string(dir) + "/") {}
  EventTypeId type() const override { return e_.type(); }
  Channel channel() const override { return e_.channel(); }
  Value field(const FieldRef& ref) override {
    const auto& info = fields::field_info(ref.id);
    if (info.id == fields::F::kFdName) return Value::unknown_child_of(dir_slash_);
    if (info.id == fields::F::kFdDirectory) return Value::of(dir_);
    // Other fd.* fields describe the file, which is any file of the directory here: only
    // the event's source can say what holds for all of them.
    if (info.cls == fields::FieldClass::kFd) return e_.directory_field(ref);
    return info.cache_known ? e_.field(ref) : Value::unknown();
  }

 private:
  Event& e_;
  std::string_view dir_;
  std::string dir_slash_;
};

// A read-only open (no O_WRONLY, O_RDWR, O_CREAT, O_TRUNC) of syscall `type`, everything
// else about it unknown.
class ReadOnlyOpenView final : public Event {
 public:
  explicit ReadOnlyOpenView(EventTypeId type) : type_(type) {}
  EventTypeId type() const override { return type_; }
  Channel channel() const override { return Channel::kSyscall; }
  Value field(const FieldRef& ref) override {
    switch (fields::field_of(ref.id)) {
      case fields::F::kEvtType:
        return Value::of(fields::event_type(type_).name);
      case fields::F::kEvtIsOpenWrite:
        return Value::of_bool(false);
      case fields::F::kEvtIsOpenRead:
        return Value::of_bool(true);
      default:
        return Value::unknown();
    }
  }

 private:
  EventTypeId type_;
};

bool no_rule_can_match(const std::vector<uint32_t>& candidates,
                       const std::vector<CompiledRule>& rules, Event& view) {
  for (uint32_t id : candidates) {
    auto r = rules[id].program->eval3(view);
    if (!r || *r) return false;
  }
  return true;
}

}  // namespace

bool CompiledRuleSet::provably_no_match(Event& e) const {
  const auto type = e.type();
  if (type >= fields::kMaxEventTypes) return false;
  FileOnlyView view(e);
  return no_rule_can_match(index_[size_t(e.channel())][type], rules_, view);
}

bool CompiledRuleSet::provably_no_match_in(Event& e, std::string_view dir) const {
  const auto type = e.type();
  if (type >= fields::kMaxEventTypes || dir.empty() || dir[0] != '/') return false;
  DirectoryView view(e, dir);
  return no_rule_can_match(index_[size_t(e.channel())][type], rules_, view);
}

std::string CompiledRuleSet::format_output(uint32_t rule, Event& e) const {
  std::string out;
  for (const auto& seg : rules_[rule].output.segments) {
    if (!seg.field) {
      out += seg.text;
      continue;
    }
    // A field vigil does not supply has no operand and renders <NA>, as Falco renders it.
    std::string v = seg.operand ? render_value(seg.operand->eval(e)) : "<NA>";
    if (seg.width > 0) v.resize(size_t(seg.width), ' ');
    out += v;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> CompiledRuleSet::output_fields(uint32_t rule,
                                                                                Event& e) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& seg : rules_[rule].output.segments) {
    if (!seg.field) continue;
    if (std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.first == seg.text; })) {
      continue;
    }
    out.emplace_back(seg.text, seg.operand ? render_value(seg.operand->eval(e)) : "<NA>");
  }
  return out;
}

namespace {

void add_ref(const Operand* o, std::vector<FieldRef>& out) {
  if (!o) return;
  if (o->kind == Operand::Kind::kTransform) return add_ref(o->child.get(), out);
  if (o->kind != Operand::Kind::kField) return;
  for (const auto& r : out) {
    if (r.id == o->ref.id && r.index == o->ref.index && r.key == o->ref.key) return;
  }
  out.push_back(o->ref);
}

void add_refs(const Node& n, std::vector<FieldRef>& out) {
  if (n.check) {
    add_ref(n.check->lhs.get(), out);
    add_ref(n.check->rhs.get(), out);
  }
  for (const auto& c : n.children) add_refs(c, out);
}

}  // namespace

std::vector<FieldRef> CompiledRuleSet::fields_read() const {
  std::vector<FieldRef> out;
  for (const auto& r : rules_) {
    if (r.status != RuleStatus::kCompiled || !r.program) continue;
    add_refs(*r.program, out);
    for (const auto& s : r.output.segments) add_ref(s.operand.get(), out);
  }
  return out;
}

std::set<std::string> CompiledRuleSet::dns_names() const {
  using F = fields::F;
  std::set<std::string> out;
  for (const auto& c : checks_) {
    if (!c->lhs || c->lhs->kind != Operand::Kind::kField) continue;
    const F f = fields::field_of(c->lhs->ref.id);
    if (f != F::kFdSipName && f != F::kFdCipName && f != F::kFdRipName && f != F::kFdLipName) {
      continue;
    }
    if (!c->str.empty()) out.insert(c->str);
    out.insert(c->strs.begin(), c->strs.end());
  }
  return out;
}

std::set<std::string> CompiledRuleSet::syscalls() const {
  std::set<std::string> out;
  for (const auto& r : rules_) {
    if (r.status != RuleStatus::kCompiled) continue;
    out.insert(r.syscalls.begin(), r.syscalls.end());
  }
  return out;
}

std::set<std::string> CompiledRuleSet::write_only_syscalls() const {
  std::set<std::string> out;
  const auto needed = syscalls();
  // creat always writes; openat2's flags are in memory, out of the filter's reach.
  for (const char* name : {"open", "openat"}) {
    const auto type = fields::find_event_type(name);
    if (!needed.count(name) || !type || *type >= fields::kMaxEventTypes) continue;
    ReadOnlyOpenView view(*type);
    if (no_rule_can_match(index_[size_t(Channel::kSyscall)][*type], rules_, view)) {
      out.insert(name);
    }
  }
  return out;
}

namespace {

// A syscall event whose flags argument is 0 and whose every other field is unknown.
class NoFlagsView final : public Event {
 public:
  NoFlagsView(EventTypeId type, int index, std::string zero)
      : type_(type), index_(index), zero_(std::move(zero)) {}
  EventTypeId type() const override { return type_; }
  Channel channel() const override { return Channel::kSyscall; }
  Value field(const FieldRef& ref) override {
    switch (fields::field_of(ref.id)) {
      case fields::F::kEvtType:
        return Value::of(fields::event_type(type_).name);
      case fields::F::kEvtArg:
        if (ref.index == index_ || ref.key == fields::event_type(type_).args[size_t(index_)].name)
          return Value::of(zero_);
        return Value::unknown();
      default:
        return Value::unknown();
    }
  }

 private:
  EventTypeId type_;
  int index_;
  std::string zero_;
};

// The literals `n`'s checks compare the flags argument with; false if a check uses it in a
// way the filter cannot stand for (a raw number, another field, a pattern).
bool flag_literals(const Node& n, EventTypeId type, int index, std::set<std::string>& out) {
  if (n.check) {
    const Check& c = *n.check;
    for (const Operand* o : {c.lhs.get(), c.rhs.get()}) {
      if (!o || o->kind != Operand::Kind::kField) continue;
      const auto f = fields::field_of(o->ref.id);
      const bool arg = f == fields::F::kEvtArg || f == fields::F::kEvtRawarg;
      if (!arg) continue;
      const auto& a = fields::event_type(type).args;
      const bool this_arg = o->ref.index == index ||
                            (size_t(index) < a.size() && o->ref.key == a[size_t(index)].name);
      if (!this_arg) continue;
      if (f == fields::F::kEvtRawarg || o != c.lhs.get() || c.rhs ||
          (c.op != Op::kContains && c.op != Op::kEq && c.op != Op::kIn)) {
        return false;
      }
      if (!c.str.empty()) out.insert(c.str);
      out.insert(c.strs.begin(), c.strs.end());
    }
  }
  for (const auto& child : n.children) {
    if (!flag_literals(child, type, index, out)) return false;
  }
  return true;
}

}  // namespace

std::map<std::string, CompiledRuleSet::FlagFilter> CompiledRuleSet::flag_filters() const {
  std::map<std::string, FlagFilter> out;
  for (const auto& name : syscalls()) {
    const auto type = fields::find_event_type(name);
    if (!type || *type >= fields::kMaxEventTypes) continue;
    const auto& t = fields::event_type(*type);
    int index = -1;
    for (size_t i = 0; i < t.args.size(); ++i) {
      if (t.args[i].name == "flags" && !t.args[i].from_memory &&
          t.args[i].render == fields::ArgRender::kCloneFlags) {
        index = int(i);
      }
    }
    const auto& candidates = index_[size_t(Channel::kSyscall)][*type];
    if (index < 0 || candidates.empty()) continue;
    std::set<std::string> literals;
    bool ok = true;
    for (uint32_t id : candidates)
      ok = ok && flag_literals(*rules_[id].program, *type, index, literals);
    if (!ok || literals.empty()) continue;
    // Each literal must be the name of one flag: its bit goes into the filter.
    uint64_t bits = 0;
    for (const auto& lit : literals) {
      uint64_t bit = 0;
      for (int b = 0; b < 64 && !bit; ++b) {
        if (fields::render_arg(t.args[size_t(index)].render, uint64_t(1) << b) == lit) {
          bit = uint64_t(1) << b;
        }
      }
      if (!bit) {
        ok = false;
        break;
      }
      bits |= bit;
    }
    if (!ok) continue;
    // With none of them set, no rule can match (a "not contains" would, and is caught here).
    NoFlagsView view(*type, index, fields::render_arg(t.args[size_t(index)].render, 0));
    if (no_rule_can_match(candidates, rules_, view)) out[name] = {unsigned(index), bits};
  }
  return out;
}

ChannelMask CompiledRuleSet::file_channels() const {
  ChannelMask m = 0;
  for (const auto& r : rules_) {
    if (r.status == RuleStatus::kCompiled) m |= r.file_channels;
  }
  return m;
}

}  // namespace vigil::rules
