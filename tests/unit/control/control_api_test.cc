// Control requests: checked once, dispatched to the engine's ControlTarget (a fake here).
#include "src/control/control_api.h"

#include <gtest/gtest.h>

namespace vigil::control {
namespace {

class FakeTarget : public ControlTarget {
 public:
  std::vector<std::string> calls;
  nlohmann::json status() override { return record("status"); }
  nlohmann::json reload() override { return record("reload"); }
  nlohmann::json upgrade() override { return record("upgrade"); }
  nlohmann::json injection_plan() override { return record("injection_plan"); }
  nlohmann::json container_created(const nlohmann::json& state) override {
    return record("created " + state.value("id", std::string()));
  }
  nlohmann::json container_stopped(const std::string& id) override {
    return record("stopped " + id);
  }

 private:
  nlohmann::json record(const std::string& what) {
    calls.push_back(what);
    return {{"ok", true}};
  }
};

TEST(ControlApi, RequestsReachTheTargetWithTheirState) {
  FakeTarget t;
  EXPECT_TRUE(handle_control(t, {{"op", "status"}})["ok"].get<bool>());
  handle_control(t, control::encode({control::Op::kContainerCreated,
                                     {{"id", "c1"}, {"pid", 42}, {"bundle", "/b"}}}));
  handle_control(t, control::encode({control::Op::kContainerStopped, {{"id", "c1"}}}));
  EXPECT_EQ(t.calls, (std::vector<std::string>{"status", "created c1", "stopped c1"}));
}

TEST(ControlApi, BadRequestsAreRefusedBeforeTheTargetSeesThem) {
  FakeTarget t;
  auto r = handle_control(t, {{"op", "explode"}});
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["error"], "unknown op 'explode'");
  r = handle_control(t, {{"op", 7}});
  EXPECT_FALSE(r["ok"].get<bool>());
  r = handle_control(t, {{"op", "container_created"}, {"state", {{"id", "c"}, {"pid", -1}}}});
  EXPECT_EQ(r["error"], "state needs a pid (a positive number) and a bundle");
  r = handle_control(t, {{"op", "container_stopped"}, {"state", {{"id", 3}}}});
  EXPECT_EQ(r["error"], "state has no container id");
  r = handle_control(t, nlohmann::json::array());
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_TRUE(t.calls.empty());
}

TEST(ControlApi, EveryOpRoundTripsThroughItsName) {
  for (auto op : {control::Op::kStatus, control::Op::kReload, control::Op::kUpgrade,
                  control::Op::kContainerCreated, control::Op::kContainerStopped}) {
    EXPECT_EQ(control::parse_op(control::op_name(op)), op);
  }
}

}  // namespace
}  // namespace vigil::control
