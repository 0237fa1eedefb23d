// Encoding and checking control requests.
#include "src/control/control_protocol.h"

namespace vigil::control {
namespace {

constexpr std::pair<Op, std::string_view> kOps[] = {
    {Op::kStatus, "status"},
    {Op::kReload, "reload"},
    {Op::kUpgrade, "upgrade"},
    {Op::kInjectionPlan, "injection_plan"},
    {Op::kContainerCreated, "container_created"},
    {Op::kContainerStopped, "container_stopped"},
};

}  // namespace

std::string_view op_name(Op op) {
  for (const auto& [o, name] : kOps) {
    if (o == op) return name;
  }
  return "?";
}

std::optional<Op> parse_op(std::string_view name) {
  for (const auto& [o, n] : kOps) {
    if (n == name) return o;
  }
  return std::nullopt;
}

std::string Request::container_id() const {
  const auto it = state.find("id");
  return it != state.end() && it->is_string() ? it->get<std::string>() : "";
}

nlohmann::json encode(const Request& r) {
  nlohmann::json j = {{"op", std::string(op_name(r.op))}};
  if (r.op == Op::kContainerCreated || r.op == Op::kContainerStopped) j["state"] = r.state;
  return j;
}

std::optional<Request> decode(const nlohmann::json& j, std::string& error) {
  const std::string name =
      j.is_object() && j.contains("op") && j["op"].is_string() ? j["op"].get<std::string>() : "";
  const auto op = parse_op(name);
  if (!op) {
    error = "unknown op '" + name + "'";
    return std::nullopt;
  }
  Request r;
  r.op = *op;
  if (r.op != Op::kContainerCreated && r.op != Op::kContainerStopped) return r;
  r.state = j.value("state", nlohmann::json::object());
  if (!r.state.is_object() || r.container_id().empty()) {
    error = "state has no container id";
    return std::nullopt;
  }
  if (r.op == Op::kContainerCreated) {
    // A runtime's state always has both; anything else is refused whole.
    const auto pid = r.state.find("pid");
    const auto bundle = r.state.find("bundle");
    if (pid == r.state.end() || !pid->is_number_integer() || pid->get<int64_t>() <= 0 ||
        bundle == r.state.end() || !bundle->is_string() || bundle->get<std::string>().empty()) {
      error = "state needs a pid (a positive number) and a bundle";
      return std::nullopt;
    }
  }
  return r;
}

nlohmann::json error_response(const std::string& error) {
  return {{"ok", false}, {"error", error}};
}

}  // namespace vigil::control
