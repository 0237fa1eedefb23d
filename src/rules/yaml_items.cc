#include "src/rules/yaml_items.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <sstream>

namespace vigil::rules {
namespace {

// yaml-cpp 0.7's LoadAll never returns on some malformed input (a stray ',' where a
// document starts: jbeder/yaml-cpp#1040, fixed upstream by #1319 after Debian 12's 0.7).
// A first pass with this handler detects a parser that stops advancing.
class ProgressGuard : public YAML::EventHandler {
 public:
  struct Stuck {
    YAML::Mark mark;
  };
  void OnDocumentStart(const YAML::Mark& m) override {
    if (++documents_ > kMaxDocuments || (have_ && m.pos == last_.pos)) throw Stuck{m};
    last_ = m;
    have_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  static constexpr int kMaxDocuments = 10000;
  YAML::Mark last_;
  bool have_ = false;
  int documents_ = 0;
};

}  // namespace

bool valid_utf8(const std::string& s, size_t& bad) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      bad = i;
      return false;
    }
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) {
        bad = i;
        return false;
      }
    }
    i += n;
  }
  return true;
}

Position offset_position(const std::string& file, const std::string& raw, size_t offset) {
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {file, line, col};
}

// Parses every document of `raw`, or throws YAML::Exception.
std::vector<YAML::Node> load_all_documents(const std::string& raw) {
  {
    std::istringstream in(raw);
    YAML::Parser parser(in);
    ProgressGuard guard;
    try {
      while (parser.HandleNextDocument(guard)) {
      }
    } catch (const ProgressGuard::Stuck& s) {
      throw YAML::ParserException(s.mark, "unexpected content where a document should start");
    }
  }
  return YAML::LoadAll(raw);
}

std::string YamlItems::hex_byte(char c) {
  static const char* d = "0123456789abcdef";
  unsigned char u = static_cast<unsigned char>(c);
  return {d[u >> 4], d[u & 15]};
}

Position YamlItems::mark_pos(const YAML::Mark& m) const {
  if (m.is_null() || m.line < 0) return {file_, 0, 0};
  return {file_, uint32_t(m.line + 1), uint32_t(m.column + 1)};
}

YAML::Node YamlItems::key_node(const YAML::Node& item, const std::string& key) const {
  for (auto it = item.begin(); it != item.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->first;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void YamlItems::fail(const YAML::Node& at, const std::string& msg) const {
  throw ItemError{pos_of(at), msg};
}

std::string YamlItems::scalar(const YAML::Node& item, const std::string& key, bool optional,
                              bool* present) const {
  const YAML::Node v = item[key];
  if (present) *present = v.IsDefined();
  if (!v.IsDefined()) {
    if (optional) return {};
    YamlItems::fail(item, "item has no mapping for key '" + key + "'");
  }
  if (v.IsNull()) {
    if (optional) return {};
    YamlItems::fail(key_node(item, key), "mapping for key '" + key + "' is empty");
  }
  if (!v.IsScalar()) fail(v, "value of '" + key + "' must be a scalar, not a " + kind(v));
  return v.Scalar();
}

bool YamlItems::boolean(const YAML::Node& item, const std::string& key, bool dflt,
                        bool* present) const {
  const YAML::Node v = item[key];
  if (present) *present = v.IsDefined();
  if (!v.IsDefined()) return dflt;
  bool out = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, out)) {
    YamlItems::fail(v, "value of '" + key + "' must be true or false");
  }
  return out;
}

std::string YamlItems::kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence:
      return "sequence";
    case YAML::NodeType::Map:
      return "mapping";
    case YAML::NodeType::Scalar:
      return "scalar";
    default:
      return "null";
  }
}

std::shared_ptr<const SourceMap> YamlItems::scalar_map(const YAML::Node& v) const {
  const auto m = v.Mark();
  if (m.is_null() || m.pos < 0) return SourceMap::fixed({file_, 0, 0});
  return SourceMap::for_scalar(file_, raw_, size_t(m.pos), uint32_t(m.line + 1),
                               uint32_t(m.column + 1), v.Scalar());
}

SourceText YamlItems::text_of(const YAML::Node& item, const std::string& key) const {
  SourceText t;
  t.append(scalar(item, key, false), scalar_map(item[key]));
  return t;
}

std::vector<std::string> YamlItems::string_seq(const YAML::Node& item,
                                               const std::string& key) const {
  const YAML::Node v = item[key];
  std::vector<std::string> out;
  if (!v.IsDefined() || v.IsNull()) return out;
  if (!v.IsSequence()) fail(v, "value of '" + key + "' must be a sequence, not a " + kind(v));
  for (const auto& e : v) {
    if (!e.IsScalar()) fail(e, "items of '" + key + "' must be scalars");
    out.push_back(e.Scalar());
  }
  return out;
}

void YamlItems::warn_unknown_keys(const YAML::Node& item,
                                  std::initializer_list<const char*> known) {
  for (auto it = item.begin(); it != item.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    bool ok = std::any_of(known.begin(), known.end(), [&](const char* s) { return k == s; });
    if (!ok) {
      diags_.warning(pos_of(it->first), "unknown key '" + k + "'; the key is ignored");
    }
  }
}

}  // namespace vigil::rules
