// Rule compilation, the driver: each rule is compiled on its own (an error is reported
// with its position and the rule never enters the index), then the index maps each
// (channel, event type) to its rules. Lists and macros are expanded on the AST, not
// textually as Falco does, so every node keeps a position in the file it came from. The
// jobs are in the files compiler_impl.h lists.
#include <algorithm>

#include "src/rules/compiler_impl.h"
#include "src/rules/loader.h"
#include "src/rules/parser.h"

namespace vigil::rules {

Compiler::Compiler(const Collection& col, Diagnostics& diags) : col_(col), diags_(diags) {
  expand_lists();
  macro_asts_.resize(col_.macros.size());
  macro_parsed_.resize(col_.macros.size(), false);
}

std::shared_ptr<CompiledRuleSet> Compiler::run(const CompileOptions& opts) {
  auto set = std::make_shared<CompiledRuleSet>();
  set->matching_ = opts.matching;
  opts_ = &opts;
  checks_ = &set->checks_;
  for (const auto& def : col_.rules) set->rules_.push_back(compile_rule(def));
  bind_unrestricted(*set);
  for (uint32_t i = 0; i < set->rules_.size(); ++i) {
    const auto& r = set->rules_[i];
    if (r.status != RuleStatus::kCompiled) continue;
    for (const auto& [type, channel] : r.bindings) {
      auto& list = set->index_[size_t(channel)][index_type(type, channel)];
      // open, openat and openat2 share one fanotify event type: index each rule once.
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
  return set;
}

// fanotify reports opens, execs and writes without the syscall that made them: file
// events are indexed under one type per channel (openat, execve, write).
EventTypeId Compiler::index_type(EventTypeId type, Channel channel) {
  static const EventTypeId kOpen = *fields::find_event_type("openat");
  static const EventTypeId kExec = *fields::find_event_type("execve");
  static const EventTypeId kWrite = *fields::find_event_type("write");
  switch (channel) {
    case Channel::kFileOpen:
      return kOpen;
    case Channel::kFileExec:
      return kExec;
    case Channel::kFileModify:
      return kWrite;
    case Channel::kSyscall:
      break;
  }
  return type;
}

std::optional<ConditionResult> Compiler::condition(const std::string& text) {
  SourceText st;
  st.append(text, SourceMap::fixed({"<condition>", 1, 1}));
  RuleCtx ctx;
  ConditionResult out;
  checks_ = &out.checks;
  try {
    std::unique_ptr<ast::Expr> tree;
    try {
      tree = parse_condition(st.text);
    } catch (const ParseError& e) {
      throw CompileError{st.at(e.offset), e.what()};
    }
    out.program = std::make_unique<Node>();
    out.event_types = compile_expr(*tree, st, ctx, *out.program);
  } catch (const CompileError& e) {
    diags_.error(e.pos, e.message);
    return std::nullopt;
  }
  out.unsupported.assign(ctx.unsupported.begin(), ctx.unsupported.end());
  return out;
}

CompiledRule Compiler::compile_rule(const RuleDef& def) {
  CompiledRule r;
  r.facts.name = def.name;
  r.facts.priority = def.priority;
  r.facts.action = def.action;
  r.facts.block_errno = def.block_errno ? def.block_errno : EPERM;
  r.facts.tags.assign(def.tags.begin(), def.tags.end());
  r.file = def.file;
  r.pos = def.pos;
  r.desc = def.desc;
  r.enabled = def.enabled;
  if (def.load_failed) {
    r.status = RuleStatus::kError;
    r.reason = "the rule has errors (see the error list)";
    return r;
  }
  if (def.source != "syscall") {
    r.status = RuleStatus::kUnsupported;
    r.reason = "source '" + def.source + "' is not supported (vigil supports: syscall)";
    return r;
  }
  RuleCtx ctx;
  ctx.rule = &def;
  ctx.skip_unknown = def.skip_if_unknown_filter;
  try {
    std::unique_ptr<ast::Expr> tree;
    try {
      tree = parse_condition(def.condition.text);
    } catch (const ParseError& e) {
      throw CompileError{def.condition.at(e.offset), e.what()};
    }
    // Exception nodes are generated; their positions all map to the exception itself.
    std::vector<std::pair<std::unique_ptr<ast::Expr>, Position>> extra;
    for (const auto& ex : def.exceptions) {
      try {
        if (auto e = exception_expr(ex)) extra.emplace_back(std::move(e), ex.pos);
      } catch (const CompileError& err) {
        diags_.error(err.pos, err.message);
        r.status = RuleStatus::kError;
      }
    }
    r.program = std::make_unique<Node>();
    EventTypeSet types = compile_expr(*tree, def.condition, ctx, *r.program);
    if (!extra.empty()) {
      Node conj;
      conj.kind = Node::Kind::kAnd;
      conj.children.push_back(std::move(*r.program));
      for (const auto& [e, pos] : extra) {
        SourceText st;
        st.append(" ", SourceMap::fixed(pos));
        Node n;
        compile_expr(*e, st, ctx, n);
        conj.children.push_back(std::move(n));
      }
      *r.program = std::move(conj);
    }
    r.event_types = types;
    compile_output(def.output, ctx, r);
  } catch (const CompileError& e) {
    diags_.error(e.pos, e.message);
    r.status = RuleStatus::kError;
  }
  if (r.status == RuleStatus::kError) {
    r.program.reset();
    r.reason = "the rule has errors (see the error list)";
    return r;
  }
  if (!ctx.unknown.empty()) {
    r.program.reset();
    r.status = RuleStatus::kUnsupported;
    r.reason = "unknown field(s) " + join(ctx.unknown) + " (skip-if-unknown-filter)";
    diags_.warning(def.pos, "rule '" + def.name + "' skipped: " + r.reason);
    return r;
  }
  if (!ctx.unsupported.empty()) {
    r.program.reset();
    r.status = RuleStatus::kUnsupported;
    r.reason = "unsupported: " + join(ctx.unsupported);
    return r;
  }
  bind_channels(def, ctx, r);
  if (r.program && !r.unrestricted && !r.bindings.empty()) fold(r);
  if (r.status == RuleStatus::kCompiled) apply_config(def, r);
  return r;
}

void Compiler::apply_config(const RuleDef& def, CompiledRule& r) const {
  bool on = def.enabled;
  std::string why = "enabled: false";
  if (opts_) {
    for (const auto& sel : opts_->selectors) {
      bool hit = false;
      for (const auto& p : sel.patterns) {
        hit = hit || (sel.by_tag ? def.tags.count(p) > 0 : selector_matches(p, def.name));
      }
      if (hit) {
        on = sel.enable;
        why = std::string("the config's rules: ") + (sel.enable ? "enable" : "disable") +
              (sel.by_tag ? " by tag" : " by rule name");
      }
    }
    if (on && def.priority > opts_->min_priority) {
      on = false;
      why = "priority " + std::string(priority_name(def.priority)) + " is below the config's " +
            "priority: " + std::string(priority_name(opts_->min_priority));
    }
  }
  if (on) return;
  r.status = RuleStatus::kDisabled;
  r.reason = why;
  r.by_config = why != "enabled: false";
}

bool selector_matches(std::string_view pattern, std::string_view name) {
  // Greedy '*' matching with one backtrack point (the last '*').
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string Compiler::join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

std::string_view rule_status_name(RuleStatus s) {
  switch (s) {
    case RuleStatus::kCompiled:
      return "compiled";
    case RuleStatus::kUnsupported:
      return "unsupported";
    case RuleStatus::kDisabled:
      return "disabled";
    case RuleStatus::kError:
      return "error";
  }
  return "?";
}

std::shared_ptr<CompiledRuleSet> compile_rules(const Collection& col, const CompileOptions& opts,
                                               Diagnostics& diags) {
  return Compiler(col, diags).run(opts);
}

LoadResult load_and_compile(const std::vector<std::string>& paths, const CompileOptions& opts) {
  LoadResult out;
  for (const auto& p : paths) load_rules_path(p, out.collection, out.diagnostics);
  out.rules = compile_rules(out.collection, opts, out.diagnostics);
  return out;
}

std::optional<ConditionResult> compile_condition(const std::string& condition,
                                                 const Collection& col, Diagnostics& diags) {
  return Compiler(col, diags).condition(condition);
}

}  // namespace vigil::rules
