// Control request dispatch.
#include "src/control/control_api.h"

namespace vigil::control {

nlohmann::json handle_control(ControlTarget& target, const nlohmann::json& request) {
  std::string error;
  const auto r = control::decode(request, error);
  if (!r) return control::error_response(error);
  switch (r->op) {
    case control::Op::kStatus:
      return target.status();
    case control::Op::kReload:
      return target.reload();
    case control::Op::kUpgrade:
      return target.upgrade();
    case control::Op::kInjectionPlan:
      return target.injection_plan();
    case control::Op::kContainerCreated:
      return target.container_created(r->state);
    case control::Op::kContainerStopped:
      return target.container_stopped(r->container_id());
  }
  return control::error_response("unhandled op");
}

}  // namespace vigil::control
