// Rule loading: what each item means, and the collector semantics that Falco applies across
// files (redefinition, append, override, enabled-only entries). Typed YAML access with
// positions is yaml_items.h's. Conditions stay text here; the compiler parses them.
#include "src/rules/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/rules/yaml_items.h"

namespace vigil::rules {
namespace {

int errno_from_name(const std::string& s) {
  static const std::pair<const char*, int> kErrnos[] = {
      {"EPERM", EPERM},   {"EACCES", EACCES},   {"ENOENT", ENOENT},   {"EINVAL", EINVAL},
      {"ENOSYS", ENOSYS}, {"EROFS", EROFS},     {"ENOTSUP", ENOTSUP}, {"EBUSY", EBUSY},
      {"EIO", EIO},       {"ENOEXEC", ENOEXEC}, {"EAGAIN", EAGAIN},   {"ENOMEM", ENOMEM},
  };
  for (const auto& [name, value] : kErrnos)
    if (s == name) return value;
  return 0;
}

class FileLoader : YamlItems {
 public:
  FileLoader(const std::string& file, const std::string& raw, Collection& col, Diagnostics& d)
      : YamlItems(file, raw, d), col_(col) {}

  void load() {
    size_t bad = 0;
    if (!valid_utf8(raw_, bad)) {
      diags_.error(offset_position(file_, raw_, bad),
                   "file is not valid UTF-8 (byte 0x" + hex_byte(raw_[bad]) + ")");
      return;
    }
    std::vector<YAML::Node> docs;
    try {
      docs = load_all_documents(raw_);
    } catch (const YAML::Exception& e) {
      diags_.error(mark_pos(e.mark), "YAML: " + e.msg);
      return;
    }
    for (const auto& doc : docs) {
      if (!doc.IsDefined() || doc.IsNull()) continue;
      if (!doc.IsSequence()) {
        diags_.error(pos_of(doc), "rules content is not a YAML sequence of items");
        continue;
      }
      for (const auto& item : doc) {
        if (item.IsNull()) continue;
        ++col_.items_per_file[file_];
        try {
          read_item(item);
        } catch (const ItemError& e) {
          diags_.error(e.pos, e.message);
        } catch (const YAML::Exception& e) {
          diags_.error(mark_pos(e.mark), "YAML: " + e.msg);
        }
      }
    }
  }

 private:
  void read_item(const YAML::Node& item) {
    if (!item.IsMap()) fail(item, "each item must be a mapping, not a " + kind(item));
    if (item["required_engine_version"].IsDefined()) {
      read_engine_version(item);
    } else if (item["required_plugin_versions"].IsDefined()) {
      read_plugin_versions(item);
    } else if (item["list"].IsDefined()) {
      read_list(item);
    } else if (item["macro"].IsDefined()) {
      read_macro(item);
    } else if (item["rule"].IsDefined()) {
      read_rule(item);
    } else {
      diags_.warning(pos_of(item), "unknown top-level item; it is ignored");
    }
  }

  static bool parse_semver(const std::string& s, int v[3]) {
    v[0] = v[1] = v[2] = 0;
    if (s.find_first_not_of("0123456789") == std::string::npos && !s.empty()) {
      v[1] = std::stoi(s);  // a bare number N means version 0.N.0, as in Falco
      return true;
    }
    char extra = 0;
    return std::sscanf(s.c_str(), "%d.%d.%d%c", &v[0], &v[1], &v[2], &extra) == 3;
  }

  void read_engine_version(const YAML::Node& item) {
    const std::string s = scalar(item, "required_engine_version", false);
    int want[3], have[3];
    if (!parse_semver(s, want)) {
      fail(item["required_engine_version"],
           "unable to parse engine version '" + s + "'; expected x.y.z");
    }
    parse_semver(kFalcoEngineVersion, have);
    bool ok =
        want[0] == have[0] && (want[1] < have[1] || (want[1] == have[1] && want[2] <= have[2]));
    if (!ok) {
      fail(item["required_engine_version"], "rules require engine version " + s +
                                                ", but vigil implements Falco's " +
                                                kFalcoEngineVersion);
    }
    warn_unknown_keys(item, {"required_engine_version"});
  }

  void read_plugin_versions(const YAML::Node& item) {
    const YAML::Node v = item["required_plugin_versions"];
    if (!v.IsSequence()) fail(v, "value of required_plugin_versions must be a sequence");
    for (const auto& p : v) {
      if (!p.IsMap()) fail(p, "plugin version must be a mapping");
      const std::string name = scalar(p, "name", false);
      scalar(p, "version", false);
      // vigil has no plugins; the container plugin's fields are built in.
      if (name != "container") {
        diags_.warning(pos_of(p), "plugin '" + name +
                                      "' is not available in vigil; rules that use its fields "
                                      "are reported as unsupported");
      }
    }
    warn_unknown_keys(item, {"required_plugin_versions"});
  }

  // Returns (append, replace) sets of an `override:` mapping, checking the operations.
  void read_overrides(const YAML::Node& item, const std::set<std::string>& appendable,
                      const std::set<std::string>& replaceable, std::set<std::string>& app,
                      std::set<std::string>& rep) {
    const YAML::Node o = item["override"];
    if (!o.IsDefined()) return;
    if (!o.IsMap()) fail(o, "value of 'override' must be a mapping");
    for (auto it = o.begin(); it != o.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!it->second.IsScalar()) fail(it->second, "override operation must be a scalar");
      const std::string op = it->second.Scalar();
      if (op == "append") {
        if (!appendable.count(key)) {
          fail(it->first, "key '" + key + "' cannot be appended to, use 'replace' instead");
        }
        app.insert(key);
      } else if (op == "replace") {
        if (!replaceable.count(key)) fail(it->first, "key '" + key + "' cannot be replaced");
        rep.insert(key);
      } else {
        fail(it->second, "invalid override operation for key '" + key + "': '" + op +
                             "'; allowed values are append, replace");
      }
    }
  }

  // Falco's define: a new name is appended to the load order; a known name is replaced in
  // place, keeping its original index (what earlier items may reference).
  template <typename Def>
  void define(std::vector<Def>& defs, std::map<std::string, size_t>& index, Def def) {
    def.visibility = col_.next_index++;
    auto it = index.find(def.name);
    if (it != index.end()) {
      def.index = defs[it->second].index;
      defs[it->second] = std::move(def);
    } else {
      def.index = def.visibility;
      index[def.name] = defs.size();
      defs.push_back(std::move(def));
    }
  }

  // Whether a list or macro item appends to an earlier definition of its one key, through
  // the legacy `append: true` or `override: {key: append}`.
  bool appends(const YAML::Node& item, const std::string& key) {
    const bool legacy = boolean(item, "append", false);
    std::set<std::string> app, rep;
    read_overrides(item, {key}, {key}, app, rep);
    if (legacy && !(app.empty() && rep.empty())) {
      fail(item, "keys 'override' and 'append: true' cannot be used together");
    }
    return legacy || app.count(key);
  }

  void read_list(const YAML::Node& item) {
    ListDef def;
    def.name = scalar(item, "list", false);
    def.pos = pos_of(item);
    const YAML::Node items = item["items"];
    if (!items.IsDefined()) fail(item, "list '" + def.name + "' has no mapping for key 'items'");
    if (!items.IsNull()) {
      if (!items.IsSequence()) {
        fail(items, "value of 'items' must be a sequence, not a " + kind(items));
      }
      for (const auto& e : items) {
        if (!e.IsScalar()) fail(e, "list items must be scalars, not a " + kind(e));
        def.items.push_back({e.Scalar(), pos_of(e)});
      }
    }
    const bool append = appends(item, "items");
    warn_unknown_keys(item, {"list", "items", "append", "override"});
    if (append) {
      auto it = col_.list_index.find(def.name);
      if (it == col_.list_index.end()) {
        fail(item, "list '" + def.name + "' has 'append' but no list by that name exists yet");
      }
      auto& prev = col_.lists[it->second];
      prev.items.insert(prev.items.end(), def.items.begin(), def.items.end());
      prev.visibility = col_.next_index++;
      return;
    }
    define(col_.lists, col_.list_index, std::move(def));
  }

  void read_macro(const YAML::Node& item) {
    MacroDef def;
    def.name = scalar(item, "macro", false);
    def.pos = pos_of(item);
    def.condition = text_of(item, "condition");
    const bool append = appends(item, "condition");
    warn_unknown_keys(item, {"macro", "condition", "append", "override"});
    if (append) {
      auto it = col_.macro_index.find(def.name);
      if (it == col_.macro_index.end()) {
        fail(item, "macro '" + def.name + "' has 'append' but no macro by that name exists yet");
      }
      auto& prev = col_.macros[it->second];
      append_text(prev.condition, def.condition, def.pos);
      prev.visibility = col_.next_index++;
      return;
    }
    define(col_.macros, col_.macro_index, std::move(def));
  }

  ExceptionEntry entry(const YAML::Node& v) const {
    ExceptionEntry e;
    e.valid = true;
    e.pos = pos_of(v);
    if (v.IsScalar()) {
      if (v.Scalar().empty()) fail(v, "exception value must be non-empty");
      e.item = v.Scalar();
    } else if (v.IsSequence()) {
      e.is_list = true;
      for (const auto& c : v) e.items.push_back(entry(c));
    } else {
      fail(v, "exception entry must be a scalar or a sequence, not a " + kind(v));
    }
    return e;
  }

  std::vector<ExceptionDef> read_exceptions(const YAML::Node& item, bool appending) {
    std::vector<ExceptionDef> out;
    const YAML::Node exs = item["exceptions"];
    if (!exs.IsDefined() || exs.IsNull()) return out;
    if (!exs.IsSequence()) fail(exs, "rule exceptions must be a sequence");
    for (const auto& ex : exs) {
      if (!ex.IsMap()) fail(ex, "rule exception must be a mapping");
      ExceptionDef def;
      def.name = scalar(ex, "name", false);
      def.pos = pos_of(ex);
      for (const auto& prev : out) {
        if (prev.name == def.name) {
          diags_.warning(def.pos,
                         "multiple definitions of exception '" + def.name + "' in the same rule");
        }
      }
      if (ex["fields"].IsDefined()) {
        def.fields = entry(ex["fields"]);
      } else if (!appending) {
        fail(ex, "rule exception '" + def.name + "' must have a 'fields' property");
      }
      if (ex["comps"].IsDefined()) def.comps = entry(ex["comps"]);
      const YAML::Node vals = ex["values"];
      if (vals.IsDefined() && !vals.IsNull()) {
        if (!vals.IsSequence()) fail(vals, "rule exception values must be a sequence");
        for (const auto& v : vals) def.values.push_back(entry(v));
      }
      for (auto it = ex.begin(); it != ex.end(); ++it) {
        const std::string k = it->first.Scalar();
        if (k != "name" && k != "fields" && k != "comps" && k != "values") {
          diags_.warning(pos_of(it->first), "unknown key '" + k + "' in exception; ignored");
        }
      }
      out.push_back(std::move(def));
    }
    return out;
  }

  Priority priority_of(const YAML::Node& item) const {
    const std::string s = scalar(item, "priority", false);
    auto p = parse_priority(s);
    if (!p) {
      fail(item["priority"], "invalid priority '" + s +
                                 "'; expected one of emergency, alert, critical, error, "
                                 "warning, notice, informational, debug");
    }
    return *p;
  }

  void read_action(const YAML::Node& item, RuleDef& r) const {
    if (item["action"].IsDefined()) {
      const std::string s = scalar(item, "action", false);
      auto a = parse_action(s);
      if (!a) fail(item["action"], "invalid action '" + s + "'; expected alert, block or kill");
      r.action = *a;
    }
    if (item["errno"].IsDefined()) {
      const std::string s = scalar(item, "errno", false);
      int e = errno_from_name(s);
      if (e == 0) {
        fail(item["errno"], "unknown errno '" + s +
                                "'; expected one of EPERM, EACCES, ENOENT, EINVAL, ENOSYS, "
                                "EROFS, ENOTSUP, EBUSY, EIO, ENOEXEC, EAGAIN, ENOMEM");
      }
      r.block_errno = e;
    }
  }

  void merge_exceptions(RuleDef& prev, std::vector<ExceptionDef> exs) const {
    for (auto& ex : exs) {
      auto it = std::find_if(prev.exceptions.begin(), prev.exceptions.end(),
                             [&](const ExceptionDef& e) { return e.name == ex.name; });
      if (it == prev.exceptions.end()) {
        if (!ex.fields.valid) {
          throw ItemError{ex.pos, "rule exception '" + ex.name + "' must have fields"};
        }
        if (ex.values.empty()) {
          throw ItemError{ex.pos, "rule exception '" + ex.name + "' must have values"};
        }
        prev.exceptions.push_back(std::move(ex));
      } else {
        if (ex.fields.valid) {
          throw ItemError{
              ex.pos, "cannot append fields to existing exception '" + ex.name + "', only values"};
        }
        if (ex.comps.valid) {
          throw ItemError{
              ex.pos, "cannot append comps to existing exception '" + ex.name + "', only values"};
        }
        it->values.insert(it->values.end(), ex.values.begin(), ex.values.end());
      }
    }
  }

  static void append_text(SourceText& to, const SourceText& from, const Position& at) {
    to.append(" ", SourceMap::fixed(at));
    for (size_t i = 0; i < from.pieces.size(); ++i) {
      size_t end = i + 1 < from.pieces.size() ? from.pieces[i + 1].offset : from.text.size();
      to.append(from.text.substr(from.pieces[i].offset, end - from.pieces[i].offset),
                from.pieces[i].map);
    }
  }

  RuleDef* previous_rule(const std::string& name, const YAML::Node& item, const char* what) {
    auto it = col_.rule_index.find(name);
    if (it == col_.rule_index.end()) {
      fail(item, "rule '" + name + "' has " + what + " but no rule by that name exists yet");
    }
    return &col_.rules[it->second];
  }

  void read_rule(const YAML::Node& item) {
    const std::string name = scalar(item, "rule", false);
    warn_unknown_keys(
        item, {"rule", "condition", "output", "desc", "priority", "source", "enabled", "capture",
               "capture_duration", "warn_evttypes", "skip-if-unknown-filter", "tags", "exceptions",
               "override", "append", "action", "errno"});
    const Position pos = pos_of(item);
    bool append = boolean(item, "append", false);
    std::set<std::string> app, rep;
    read_overrides(
        item, {"condition", "output", "desc", "tags", "exceptions"},
        {"condition", "output", "desc", "priority", "capture", "capture_duration", "tags",
         "exceptions", "enabled", "warn_evttypes", "skip-if-unknown-filter", "action", "errno"},
        app, rep);
    if (append && !(app.empty() && rep.empty())) {
      fail(item, "keys 'override' and 'append: true' cannot be used together");
    }
    if (!app.empty() || !rep.empty()) {
      RuleDef* prev = previous_rule(name, item, "'override'");
      // Every overridable key present must be named under override, and vice versa.
      for (const auto& k : {"condition", "output", "desc", "priority", "tags", "exceptions",
                            "enabled", "warn_evttypes", "skip-if-unknown-filter", "action", "errno",
                            "capture", "capture_duration"}) {
        bool named = app.count(k) || rep.count(k);
        if (item[k].IsDefined() && !named) {
          fail(key_node(item, k),
               std::string("unexpected key '") + k + "': no corresponding entry under 'override'");
        }
        if (named && !item[k].IsDefined()) {
          fail(item["override"], std::string("an override for '") + k + "' was specified but '" +
                                     k + "' is not defined");
        }
      }
      RuleDef next = *prev;  // apply atomically: a failure leaves the rule untouched
      if (app.count("condition")) append_text(next.condition, text_of(item, "condition"), pos);
      if (rep.count("condition")) next.condition = text_of(item, "condition");
      if (app.count("output")) append_text(next.output, text_of(item, "output"), pos);
      if (rep.count("output")) next.output = text_of(item, "output");
      if (app.count("desc")) next.desc += " " + scalar(item, "desc", false);
      if (rep.count("desc")) next.desc = scalar(item, "desc", false);
      if (app.count("tags")) {
        for (auto& t : string_seq(item, "tags")) next.tags.insert(t);
      }
      if (rep.count("tags")) {
        auto tags = string_seq(item, "tags");
        next.tags = std::set<std::string>(tags.begin(), tags.end());
      }
      if (app.count("exceptions")) merge_exceptions(next, read_exceptions(item, true));
      if (rep.count("exceptions")) next.exceptions = read_exceptions(item, false);
      if (rep.count("priority")) next.priority = priority_of(item);
      if (rep.count("enabled")) next.enabled = boolean(item, "enabled", true);
      if (rep.count("warn_evttypes")) next.warn_evttypes = boolean(item, "warn_evttypes", true);
      if (rep.count("skip-if-unknown-filter")) {
        next.skip_if_unknown_filter = boolean(item, "skip-if-unknown-filter", false);
      }
      if (rep.count("action") || rep.count("errno")) read_action(item, next);
      next.visibility = col_.next_index++;
      *prev = std::move(next);
      return;
    }
    if (append) {
      RuleDef* prev = previous_rule(name, item, "'append'");
      RuleDef next = *prev;
      bool any = false;
      if (item["condition"].IsDefined()) {
        append_text(next.condition, text_of(item, "condition"), pos);
        any = true;
      }
      if (item["exceptions"].IsDefined()) {
        merge_exceptions(next, read_exceptions(item, true));
        any = true;
      }
      if (!any) fail(item, "appended rule must have exceptions or condition property");
      next.visibility = col_.next_index++;
      *prev = std::move(next);
      return;
    }
    if (!item["condition"].IsDefined() && !item["output"].IsDefined() &&
        !item["desc"].IsDefined() && !item["priority"].IsDefined()) {
      // An enabled-only entry switches an earlier rule on or off.
      if (!item["enabled"].IsDefined()) {
        fail(item, "rule '" + name +
                       "' has no condition, output, desc or priority; an entry "
                       "that only names a rule must have 'enabled'");
      }
      RuleDef* prev = previous_rule(name, item, "only 'enabled'");
      prev->enabled = boolean(item, "enabled", true);
      return;
    }
    RuleDef def;
    def.name = name;
    def.file = file_;
    def.pos = pos;
    auto it = col_.rule_index.find(name);
    try {
      def.condition = text_of(item, "condition");
      def.output = text_of(item, "output");
      def.desc = scalar(item, "desc", false);
      def.priority = priority_of(item);
      bool has_source = false;
      std::string source = scalar(item, "source", true, &has_source);
      if (has_source && !source.empty()) def.source = source;
      def.enabled = boolean(item, "enabled", true);
      def.warn_evttypes = boolean(item, "warn_evttypes", true);
      def.skip_if_unknown_filter = boolean(item, "skip-if-unknown-filter", false);
      auto tags = string_seq(item, "tags");
      def.tags = std::set<std::string>(tags.begin(), tags.end());
      def.exceptions = read_exceptions(item, false);
      for (const auto& ex : def.exceptions) {
        if (ex.values.empty()) {
          diags_.warning(ex.pos, "exception '" + ex.name + "' has no values; it excludes nothing");
        }
      }
      read_action(item, def);
    } catch (const ItemError&) {
      // Keep the rule, marked failed, so reports list it; then report the error.
      def.load_failed = true;
      define(col_.rules, col_.rule_index, std::move(def));
      throw;
    }
    if (it != col_.rule_index.end()) {
      const auto& prev = col_.rules[it->second];
      diags_.warning(pos, "rule '" + name +
                              "' is defined again; this definition replaces the "
                              "one at " +
                              prev.pos.file + ":" + std::to_string(prev.pos.line) + ":" +
                              std::to_string(prev.pos.col));
    }
    define(col_.rules, col_.rule_index, std::move(def));
  }

  Collection& col_;
};

}  // namespace

void load_rules_text(const std::string& display_path, const std::string& content, Collection& out,
                     Diagnostics& diags) {
  out.files.push_back(display_path);
  out.items_per_file[display_path] += 0;
  FileLoader(display_path, content, out, diags).load();
}

void load_rules_path(const std::string& path, Collection& out, Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      const auto ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
    }
    if (ec) {
      diags.error({path, 0, 0}, "cannot read folder: " + ec.message());
      return;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) load_rules_path(f, out, diags);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.files.push_back(path);
    diags.error({path, 0, 0}, std::string("cannot open: ") + std::strerror(errno));
    return;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  load_rules_text(path, ss.str(), out, diags);
}

}  // namespace vigil::rules
