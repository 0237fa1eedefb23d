// The config keys of the outputs, Falco's output options (falco.yaml's names and meanings)
// and the webserver.
#include <arpa/inet.h>

#include "src/config/config.h"
#include "src/config/reader.h"

namespace vigil::config {
namespace {

// Falco's `rules:` selectors: a list of {enable: {rule: X | tag: X}} or {disable: ...},
// where X is one name or a list of them.
void parse_selectors(Reader& r, const YAML::Node& v, Config& c) {
  const std::string shape =
      "'rules' must be a list of {enable: {rule: NAMES}} or {disable: {tag: NAMES}} items";
  if (!v.IsSequence()) {
    r.error(v, shape);
    return;
  }
  for (const auto& item : v) {
    if (!item.IsMap() || item.size() != 1) {
      r.error(item, shape);
      continue;
    }
    const std::string verb = item.begin()->first.Scalar();
    const YAML::Node what = item.begin()->second;
    if ((verb != "enable" && verb != "disable") || !what.IsMap() || what.size() != 1) {
      r.error(item, shape);
      continue;
    }
    RuleSelector sel;
    sel.enable = verb == "enable";
    const std::string kind = what.begin()->first.Scalar();
    const YAML::Node names = what.begin()->second;
    if (kind != "rule" && kind != "tag") {
      r.error(what, "'rules." + verb + "' selects by 'rule' or 'tag', not '" + kind + "'");
      continue;
    }
    sel.by_tag = kind == "tag";
    if (names.IsScalar()) {
      sel.patterns.push_back(names.Scalar());
    } else if (names.IsSequence()) {
      for (const auto& n : names) {
        if (auto s = r.str(n, "rules." + verb + "." + kind)) sel.patterns.push_back(*s);
      }
    } else {
      r.error(names, "'rules." + verb + "." + kind + "' must be a name or a list of names");
      continue;
    }
    c.rule_selectors.push_back(std::move(sel));
  }
}

void parse_http(Reader& r, const YAML::Node& v, HttpOutput& h) {
  r.section(v, "http_output", [&](const std::string& k, const YAML::Node& n) {
    const std::string key = "http_output." + k;
    if (k == "enabled") {
      if (auto b = r.boolean(n, key)) h.enabled = *b;
    } else if (k == "url") {
      if (auto s = r.str(n, key)) h.url = *s;
    } else if (k == "user_agent") {
      if (auto s = r.str(n, key)) h.user_agent = *s;
    } else if (k == "insecure") {
      if (auto b = r.boolean(n, key)) h.insecure = *b;
    } else if (k == "ca_cert") {
      if (auto s = r.path(n, key)) h.ca_cert = *s;
    } else if (k == "ca_bundle") {
      if (auto s = r.path(n, key)) h.ca_bundle = *s;
    } else if (k == "ca_path") {
      if (auto s = r.path(n, key)) h.ca_path = *s;
    } else if (k == "mtls") {
      if (auto b = r.boolean(n, key)) h.mtls = *b;
    } else if (k == "client_cert") {
      if (auto s = r.path(n, key)) h.client_cert = *s;
    } else if (k == "client_key") {
      if (auto s = r.path(n, key)) h.client_key = *s;
    } else if (k == "compress_uploads") {
      if (auto b = r.boolean(n, key)) h.compress_uploads = *b;
    } else if (k == "keep_alive") {
      if (auto b = r.boolean(n, key)) h.keep_alive = *b;
    } else {
      return false;
    }
    return true;
  });
  if (h.enabled && h.url.rfind("http://", 0) != 0 && h.url.rfind("https://", 0) != 0) {
    r.error(v["url"].IsDefined() ? v["url"] : v,
            "'http_output.url' must be an http:// or https:// URL when http_output is enabled");
  }
}

void parse_program(Reader& r, const YAML::Node& v, ProgramOutput& p) {
  r.section(v, "program_output", [&](const std::string& k, const YAML::Node& n) {
    const std::string key = "program_output." + k;
    if (k == "enabled") {
      if (auto b = r.boolean(n, key)) p.enabled = *b;
    } else if (k == "program") {
      if (auto s = r.str(n, key)) p.program = *s;
    } else if (k == "keep_alive") {
      if (auto b = r.boolean(n, key)) p.keep_alive = *b;
    } else {
      return false;
    }
    return true;
  });
  if (p.enabled && p.program.empty()) {
    r.error(v, "'program_output.program' must name a program when program_output is enabled");
  }
}

void parse_webserver(Reader& r, const YAML::Node& v, Webserver& w) {
  r.section(v, "webserver", [&](const std::string& k, const YAML::Node& n) {
    const std::string key = "webserver." + k;
    if (k == "enabled") {
      if (auto b = r.boolean(n, key)) w.enabled = *b;
    } else if (k == "listen_address") {
      auto s = r.str(n, key);
      in6_addr a6;
      in_addr a4;
      if (s && (::inet_pton(AF_INET, s->c_str(), &a4) == 1 ||
                ::inet_pton(AF_INET6, s->c_str(), &a6) == 1)) {
        w.listen_address = *s;
      } else if (s) {
        r.error(n, "'webserver.listen_address' must be an IPv4 or IPv6 address");
      }
    } else if (k == "listen_port") {
      if (auto p = r.integer(n, key, 1, 65535, "a TCP port")) w.listen_port = int(*p);
    } else if (k == "k8s_healthz_endpoint") {
      auto s = r.str(n, key);
      if (s && !s->empty() && (*s)[0] == '/') {
        w.k8s_healthz_endpoint = *s;
      } else if (s) {
        r.error(n, "'webserver.k8s_healthz_endpoint' must be a path starting with /");
      }
    } else if (k == "prometheus_metrics_enabled") {
      if (auto b = r.boolean(n, key)) w.prometheus_metrics_enabled = *b;
    } else if (k == "threadiness") {
      // Falco's; vigil serves the webserver on its one engine thread.
      r.integer(n, key, 0, 1024, "a number of threads");
    } else if (k == "ssl_enabled") {
      auto b = r.boolean(n, key);
      if (b && *b) r.error(n, "'webserver.ssl_enabled: true' is not supported; serve it plain");
    } else if (k == "ssl_certificate") {
      r.str(n, key);
    } else {
      return false;
    }
    return true;
  });
}

}  // namespace

bool parse_output_key(Reader& r, const std::string& key, const YAML::Node& v, Config& c) {
  auto enabled = [&](const YAML::Node& n) -> std::optional<bool> {
    if (!n.IsMap()) {
      r.error(n, "'" + key + "' must be a mapping with 'enabled'");
      return std::nullopt;
    }
    if (!n["enabled"].IsDefined()) return true;
    return r.boolean(n["enabled"], key + ".enabled");
  };
  if (key == "json_output") {
    if (auto b = r.boolean(v, key)) c.json_output = *b;
  } else if (key == "stdout_output") {
    if (auto b = enabled(v)) c.stdout_output = *b;
  } else if (key == "syslog_output") {
    if (auto b = enabled(v)) c.syslog_output = *b;
  } else if (key == "file_output") {
    if (auto b = enabled(v)) c.file_output = *b;
    if (v.IsMap() && v["filename"].IsDefined()) {
      if (auto s = r.path(v["filename"], "file_output.filename")) c.file_output_path = *s;
    }
  } else if (key == "http_output") {
    parse_http(r, v, c.http_output);
  } else if (key == "program_output") {
    parse_program(r, v, c.program_output);
  } else if (key == "webserver") {
    parse_webserver(r, v, c.webserver);
  } else if (key == "json_include_output_property") {
    if (auto b = r.boolean(v, key)) c.json_include_output_property = *b;
  } else if (key == "json_include_tags_property") {
    if (auto b = r.boolean(v, key)) c.json_include_tags_property = *b;
  } else if (key == "time_format_iso_8601") {
    if (auto b = r.boolean(v, key)) c.time_format_iso_8601 = *b;
  } else if (key == "buffered_outputs") {
    if (auto b = r.boolean(v, key)) c.buffered_outputs = *b;
  } else if (key == "outputs_queue") {
    r.section(v, key, [&](const std::string& k, const YAML::Node& n) {
      if (k != "capacity") return false;
      if (auto cap = r.integer(n, "outputs_queue.capacity", 0, 16 * 1024 * 1024,
                               "a number of alerts (0: the default, 65536)")) {
        c.outputs_queue_capacity = *cap ? size_t(*cap) : 65536;
      }
      return true;
    });
  } else if (key == "priority") {
    auto s = r.str(v, key);
    if (auto p = s ? parse_priority(*s) : std::nullopt) {
      c.min_priority = *p;
    } else if (s) {
      r.error(v,
              "'priority' must be one of emergency, alert, critical, error, warning, notice, "
              "informational, debug");
    }
  } else if (key == "rules") {
    parse_selectors(r, v, c);
  } else if (key == "container_engines") {
    auto& e = c.container_engines;
    r.section(v, key, [&](const std::string& engine, const YAML::Node& n) {
      const std::string name = "container_engines." + engine;
      if (engine != "docker" && engine != "podman" && engine != "cri") {
        // Falco's lxc, libvirt_lxc, bpm: runtimes vigil is not registered with
        return engine == "lxc" || engine == "libvirt_lxc" || engine == "bpm";
      }
      r.section(n, name, [&](const std::string& k, const YAML::Node& x) {
        if (k == "enabled") {
          if (auto b = r.boolean(x, name + ".enabled")) {
            (engine == "docker" ? e.docker : engine == "podman" ? e.podman : e.cri) = *b;
          }
        } else if (engine == "docker" && k == "socket") {
          if (auto s = r.path(x, name + ".socket")) e.docker_socket = *s;
        } else if (engine == "cri" && k == "sockets") {
          if (!x.IsSequence()) {
            r.error(x, "'" + name + ".sockets' must be a list of paths");
          } else {
            e.cri_sockets.clear();
            for (const auto& s : x) {
              if (auto p = r.path(s, name + ".sockets")) e.cri_sockets.push_back(*p);
            }
          }
        } else {
          return engine == "cri" && k == "disable_async";  // Falco's; vigil is always async
        }
        return true;
      });
      return true;
    });
  } else {
    return false;
  }
  return true;
}

}  // namespace vigil::config
