// Channel binding: which kernel channel (seccomp, fanotify open/exec/modify) supplies every
// field a rule reads for each of its event types, whether a block on it is race-free, and
// the folding and cost ordering of its program once its types are known.
#include <algorithm>

#include "src/rules/compiler_impl.h"

namespace vigil::rules {
namespace {

int operand_cost(const Operand* o) {
  if (!o) return 0;
  if (o->kind == Operand::Kind::kTransform) return operand_cost(o->child.get());
  if (o->kind != Operand::Kind::kField) return 0;
  return int(fields::field_info(o->ref.id).cost);
}

int node_cost(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kCheck:
      return n.check ? std::max(operand_cost(n.check->lhs.get()), operand_cost(n.check->rhs.get()))
                     : 0;
    case Node::Kind::kTrue:
    case Node::Kind::kFalse:
      return 0;
    default: {
      int c = 0;
      for (const auto& child : n.children) c = std::max(c, node_cost(child));
      return c;
    }
  }
}

// Orders the operands of every and/or so that checks on cheap fields run first (checks are
// pure, so the result is the same): evt.type, container.* and arguments, then fd.* (a
// path), then proc.*, user.* and friends (/proc reads), then the open flags of a file
// event (a /proc read of the opener's blocked system call). Short-circuiting then skips
// the costly reads for most events.
void order_by_cost(Node& n) {
  for (auto& c : n.children) order_by_cost(c);
  if (n.kind != Node::Kind::kAnd && n.kind != Node::Kind::kOr) return;
  std::stable_sort(n.children.begin(), n.children.end(),
                   [](const Node& a, const Node& b) { return node_cost(a) < node_cost(b); });
}

}  // namespace

bool Compiler::blocks(Action a) { return a == Action::kBlock || a == Action::kKill; }

// Picks, for each event type the rule can match, the channel that supplies every field it
// reads; prefers race-free channels for blocking rules and fanotify for file events.
void Compiler::bind_channels(const RuleDef& def, const RuleCtx& ctx, CompiledRule& r) {
  const EventTypeSet all = fields::all_event_types();
  if (r.event_types.none()) {
    diags_.warning(def.pos, "rule '" + def.name + "' can never match: its condition " +
                                "excludes every event type");
    return;
  }
  // More than half the known types is no restriction (Falco warns above 100 of ~350).
  if (r.event_types.count() * 2 > all.count()) {
    r.unrestricted = true;
    if (def.warn_evttypes) {
      diags_.warning(def.pos, "rule '" + def.name +
                                  "' does not restrict evt.type; it is "
                                  "evaluated on events other rules intercept and makes vigil "
                                  "intercept nothing on its own");
    }
    return;
  }
  ChannelMask fields_mask = kAllChannels;
  for (const auto& f : ctx.fields) fields_mask &= f.lookup.info->channels;
  std::set<std::string> racy;
  bool any_bound = false;
  ChannelMask types_mask = 0;
  for (size_t t = 0; t < all.size(); ++t) {
    if (!r.event_types.test(t)) continue;
    const auto type = EventTypeId(t);
    const auto& info = fields::event_type(type);
    const ChannelMask avail = fields::event_type_channels(type);
    types_mask |= avail;
    const ChannelMask cand = avail & fields_mask;
    if (!cand) continue;
    auto racy_on = [&](Channel c, std::set<std::string>* why) {
      bool any = false;
      for (const auto& f : ctx.fields) {
        if (fields::is_racy(*f.lookup.info, f.lookup, c, info, f.index)) {
          any = true;
          if (why) {
            std::string n(f.lookup.info->name);
            if (!f.lookup.key.empty()) n += "." + f.lookup.key;
            if (f.index >= 0) n += "[" + std::to_string(f.index) + "]";
            why->insert(n + " on " + std::string(info.name));
          }
        }
      }
      if (c == Channel::kFileModify) {
        any = true;
        if (why) why->insert(std::string(info.name) + " is reported after it happened");
      }
      return any;
    };
    std::optional<Channel> pick;
    const Channel order[] = {Channel::kFileExec, Channel::kFileOpen, Channel::kSyscall,
                             Channel::kFileModify};
    for (Channel c : order) {
      if (!(cand & channel_bit(c))) continue;
      if (blocks(def.action) && racy_on(c, nullptr)) continue;
      pick = c;
      break;
    }
    if (!pick) {
      for (Channel c : order) {
        if (cand & channel_bit(c)) {
          pick = c;
          break;
        }
      }
      if (blocks(def.action)) racy_on(*pick, &racy);
    }
    r.bindings.push_back({type, *pick});
    any_bound = true;
    switch (*pick) {
      case Channel::kSyscall:
        if (std::find(r.syscalls.begin(), r.syscalls.end(), info.syscall) == r.syscalls.end()) {
          r.syscalls.emplace_back(info.syscall);
        }
        break;
      case Channel::kFileOpen:
      case Channel::kFileExec:
      case Channel::kFileModify:
        r.file_channels |= channel_bit(*pick);
        break;
    }
  }
  if (!any_bound) {
    std::set<std::string> missing;
    for (const auto& f : ctx.fields) {
      if (!(f.lookup.info->channels & types_mask)) missing.insert(std::string(f.lookup.info->name));
    }
    r.status = RuleStatus::kUnsupported;
    r.reason = "unsupported: " +
               (missing.empty() ? std::string("no single channel supplies "
                                              "all its fields")
                                : join(missing)) +
               " not available for its event types";
    r.program.reset();
    return;
  }
  std::sort(r.syscalls.begin(), r.syscalls.end());
  if (blocks(def.action)) {
    r.sound = racy.empty();
    r.racy_fields.assign(racy.begin(), racy.end());
  }
}

// Rules without an evt.type restriction join every (channel, type) other rules bound,
// where the channel supplies their fields; they never add interception of their own.
void Compiler::bind_unrestricted(CompiledRuleSet& set) {
  std::set<std::pair<EventTypeId, Channel>> used;
  for (const auto& r : set.rules_) {
    if (r.status == RuleStatus::kCompiled && !r.unrestricted) {
      used.insert(r.bindings.begin(), r.bindings.end());
    }
  }
  for (auto& r : set.rules_) {
    if (r.status != RuleStatus::kCompiled || !r.unrestricted) continue;
    for (const auto& [type, channel] : used) {
      if (r.event_types.test(type)) r.bindings.push_back({type, channel});
    }
    if (blocks(r.facts.action)) r.sound = std::nullopt;
    if (!r.bindings.empty()) fold(r);
  }
}

void Compiler::fold(CompiledRule& r) {
  EventTypeSet bound;
  for (const auto& b : r.bindings) bound.set(b.first);
  fold_event_types(*r.program, bound);
  order_by_cost(*r.program);
}

}  // namespace vigil::rules
