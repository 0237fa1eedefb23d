// Typed, positioned access to the config file's YAML.
#include "src/config/reader.h"

namespace vigil::config {

rules::Position Reader::pos(const YAML::Node& n) const {
  const auto m = n.Mark();
  if (m.is_null() || m.line < 0) return {path_, 0, 0};
  return {path_, uint32_t(m.line + 1), uint32_t(m.column + 1)};
}

std::optional<std::string> Reader::str(const YAML::Node& n, const std::string& key) {
  if (!n.IsDefined() || !n.IsScalar()) {
    error(n, "'" + key + "' must be a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<bool> Reader::boolean(const YAML::Node& n, const std::string& key) {
  bool b = false;
  if (!n.IsDefined() || !n.IsScalar() || !YAML::convert<bool>::decode(n, b)) {
    error(n, "'" + key + "' must be true or false");
    return std::nullopt;
  }
  return b;
}

std::optional<int64_t> Reader::integer(const YAML::Node& n, const std::string& key, int64_t min,
                                       int64_t max, const std::string& what) {
  int64_t v = 0;
  if (!n.IsDefined() || !n.IsScalar() || !YAML::convert<int64_t>::decode(n, v) || v < min ||
      v > max) {
    error(n, "'" + key + "' must be " + what + ", " + std::to_string(min) + ".." +
                 std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> Reader::path(const YAML::Node& n, const std::string& key) {
  auto s = str(n, key);
  if (!s || s->empty() || (*s)[0] == '/') return s;
  return (base_ / *s).lexically_normal().string();
}

bool Reader::section(const YAML::Node& n, const std::string& name,
                     const std::function<bool(const std::string&, const YAML::Node&)>& on_key) {
  if (!n.IsDefined() || !n.IsMap()) {
    error(n, "'" + name + "' must be a mapping of keys");
    return false;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node v = it->second;  // a copy: the iterator yields a temporary
    if (!on_key(key, v)) {
      warning(it->first, "unknown key '" + name + "." + key + "'; the key is ignored");
    }
  }
  return true;
}

}  // namespace vigil::config
