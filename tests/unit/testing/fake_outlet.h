// A fake EventOutlet (src/engine/event_path.h): keeps every alert and record in the order
// they came, and what the event path's caller had done by then (`answered`), so a test can
// tell what was queued before an answer from what came after it.
#pragma once

#include <string>
#include <vector>

#include "src/engine/event_path.h"

namespace vigil::testing {

class FakeOutlet final : public engine::EventOutlet {
 public:
  struct Entry {
    std::string what;   // "alert: <rule>" or "record: <container id>"
    bool after_answer;  // the test had sent the answer when this came
  };
  void alert(outputs::Alert a) override {
    alerts.push_back(a);
    log.push_back({"alert: " + a.rule, answered});
  }
  bool recording() const override { return record_on; }
  void record(Event&, const std::string& container_id, const verdict::Verdict&) override {
    log.push_back({"record: " + container_id, answered});
  }

  bool record_on = false;
  bool answered = false;  // set by the test once it has answered the kernel
  std::vector<outputs::Alert> alerts;
  std::vector<Entry> log;
};

}  // namespace vigil::testing
