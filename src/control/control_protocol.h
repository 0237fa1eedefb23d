// The control socket's requests, typed, shared by the daemon and its clients (the hooks
// and the CLI): one JSON object per line each way.
//   request  = {"op": "status" | "reload" | "upgrade" | "injection_plan"}
//            | {"op": "container_created" | "container_stopped", "state": OCI-STATE}
//   response = {"ok": true, ...} | {"ok": false, "error": TEXT}
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::control {

enum class Op {
  kStatus,
  kReload,
  kUpgrade,
  kInjectionPlan,  // what a container being created gets (src/runtime/plan.h)
  kContainerCreated,
  kContainerStopped
};
std::string_view op_name(Op op);
std::optional<Op> parse_op(std::string_view name);

struct Request {
  Op op = Op::kStatus;
  nlohmann::json state = nlohmann::json::object();  // container ops: the runtime's state
  std::string container_id() const;
};

nlohmann::json encode(const Request& r);
// Checks a request as it arrives: nullopt with the error to answer. A container_created
// state needs an id, a positive pid and a bundle (never kept half registered); a
// container_stopped state needs an id.
std::optional<Request> decode(const nlohmann::json& j, std::string& error);

nlohmann::json error_response(const std::string& error);

}  // namespace vigil::control
