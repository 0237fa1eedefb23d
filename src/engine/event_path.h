// The engine's answer to one event, for both channels: a seccomp notification becomes a
// seccomp::Response, a fanotify permission event a FanotifyGroup::Decision. It owns no
// session, watch or output: what it decides leaves through an EventOutlet (alerts and
// records, both queued before the caller is answered), so it is tested with a fake one
// (tests/unit/engine/event_path_test.cc). Runs on the io thread only.
#pragma once

#include <linux/seccomp.h>

#include <memory>
#include <string>

#include "src/config/config.h"
#include "src/engine/container_registry.h"
#include "src/fanotify/fanotify_group.h"
#include "src/fanotify/rename_barrier.h"
#include "src/rules/compiled_rules.h"
#include "src/seccomp/notify_session.h"
#include "src/verdict/verdict_pipeline.h"

namespace vigil::engine {

// Where an event's consequences go. Every call comes before the event is answered: an
// alert is queued and journaled then (a successor writes it if this engine dies before
// the output threads do), a record holds values read from the caller while it waits.
class EventOutlet {
 public:
  virtual ~EventOutlet() = default;
  virtual void alert(outputs::Alert a) = 0;
  // Whether record: is on; record() is called only then.
  virtual bool recording() const = 0;
  virtual void record(Event& live, const std::string& container_id, const verdict::Verdict& v) = 0;
};

class EventPath {
 public:
  // `barrier` may be null (no file watches: nothing is cached).
  EventPath(const config::Config& cfg, const verdict::VerdictPipeline& pipeline, EventOutlet& out,
            fanotify::RenameBarrier* barrier)
      : cfg_(cfg), pipeline_(pipeline), out_(out), barrier_(barrier) {}

  // The rules every later event is decided by (a reload). An event being decided keeps
  // the rules it started with, and so does what is asked of it after its answer.
  void use_rules(std::shared_ptr<const rules::CompiledRuleSet> rules) { rules_ = std::move(rules); }
  const std::shared_ptr<const rules::CompiledRuleSet>& rules() const { return rules_; }
  uint64_t events() const { return events_; }

  // A notification of container `c` received on listener `notify_fd` (still pending).
  seccomp::Response on_notification(Container& c, const seccomp_notif& req, int notify_fd);
  // A permission event of container `c`'s file watch.
  fanotify::FanotifyGroup::Decision on_file_event(Container& c,
                                                  const fanotify::FanotifyGroup::Input& in);

 private:
  void record(Event& live, const Container& c, const verdict::Verdict& v) {
    if (out_.recording()) out_.record(live, c.info.id, v);
  }

  const config::Config& cfg_;
  const verdict::VerdictPipeline& pipeline_;
  EventOutlet& out_;
  fanotify::RenameBarrier* barrier_;
  std::shared_ptr<const rules::CompiledRuleSet> rules_;
  uint64_t events_ = 0;
};

}  // namespace vigil::engine
