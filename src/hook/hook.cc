#include "src/hook/hook.h"

#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "src/containers/container_sources.h"
#include "src/control/control_client.h"
#include "src/control/control_protocol.h"
#include "src/runtime/inject.h"

namespace vigil::hook {

std::string_view stage_name(Stage s) {
  switch (s) {
    case Stage::kPrecreate:
      return "precreate";
    case Stage::kCreateRuntime:
      return "createRuntime";
    case Stage::kPoststop:
      return "poststop";
  }
  return "?";
}

int config_failure_status(Stage s) { return s == Stage::kPoststop ? 0 : 1; }

int run_precreate(const config::Config& cfg, const std::string& input, std::ostream& out,
                  std::ostream& err) {
  nlohmann::json oci = nlohmann::json::parse(input, nullptr, false);
  if (oci.is_discarded() || !oci.is_object()) {
    err << "vigil hook precreate: stdin is not an OCI config (JSON object)\n";
    return 1;
  }
  const std::string hint = oci.value("hostname", std::string());
  // A relative root.path is the working directory's, as runc (run in the bundle) takes it.
  char cwd[4096];
  const std::string bundle = ::getcwd(cwd, sizeof(cwd)) ? cwd : "";
  auto outcome = runtime::inject_config(oci, cfg, "precreate hook", hint, bundle);
  for (const auto& w : outcome.warnings) err << "vigil hook precreate: " << w << "\n";
  if (!outcome.ok) {
    err << "vigil hook precreate: " << outcome.error << "\n";
    return 1;
  }
  out << oci.dump() << "\n";
  return 0;
}

int run_state_hook(Stage stage, const config::Config& cfg, const std::string& input,
                   std::ostream& err) {
  const std::string_view name = stage_name(stage);
  const int refused = config_failure_status(stage);  // poststop never fails the runtime
  nlohmann::json state = nlohmann::json::parse(input, nullptr, false);
  if (state.is_discarded() || !state.is_object() || !state.contains("id")) {
    err << "vigil hook " << name << ": stdin is not an OCI state (JSON with an id)\n";
    return refused;
  }
  control::Request request;
  request.op = stage == Stage::kCreateRuntime ? control::Op::kContainerCreated
                                              : control::Op::kContainerStopped;
  request.state = state;
  if (stage == Stage::kCreateRuntime && state["id"].is_string()) {
    // Names from the runtime's own files, now, before the container runs: the daemon's
    // lookup would race a short-lived container's first calls.
    std::map<std::string, std::string> annotations;
    if (state.contains("annotations") && state["annotations"].is_object()) {
      for (const auto& [k, v] : state["annotations"].items()) {
        if (v.is_string()) annotations[k] = v.get<std::string>();
      }
    }
    const auto m = containers::files_meta(state["id"].get<std::string>(),
                                          containers::str_of(state, "bundle"), annotations);
    if (m.known()) {
      request.state["vigil_metadata"] = {
          {"type", m.type}, {"name", m.name}, {"image", m.image}, {"digest", m.digest}};
    }
  }
  std::string error;
  auto resp = control::control_request(cfg.control_socket, control::encode(request), error);
  if (resp && resp->value("ok", false)) {
    // Registered, but the daemon could not do all of it (say, the files are not watched).
    if (resp->contains("warning")) {
      err << "vigil hook " << name << ": WARNING: " << resp->value("warning", std::string())
          << "\n";
    }
    return 0;
  }
  if (!resp) {
    if (stage == Stage::kPoststop) return 0;  // nothing to protect any more
    if (cfg.on_daemon_unavailable == config::Unavailable::kDeny) {
      err << "vigil hook createRuntime: " << error << " and on_daemon_unavailable is deny\n";
      return 1;
    }
    runtime::note_unmonitored(cfg, "createRuntime hook", state.value("id", std::string()));
    err << "vigil hook createRuntime: WARNING: " << error
        << "; the container runs UNMONITORED (on_daemon_unavailable: allow)\n";
    return 0;
  }
  err << "vigil hook " << name << ": " << resp->value("error", std::string("refused")) << "\n";
  return refused;
}

}  // namespace vigil::hook
