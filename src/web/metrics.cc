// The engine's Prometheus metrics.
#include "src/web/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <limits>
#include <sstream>

namespace vigil::web {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const char* const kChannels[] = {"seccomp", "file"};
const char* const kAnswers[] = {"allow", "deny", "kill"};

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric value(MetricType type, double v, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  return m;
}

MetricFamily single(std::string name, std::string help, MetricType type, double v) {
  auto f = family(std::move(name), std::move(help), type);
  f.metric.push_back(value(type, v));
  return f;
}

}  // namespace

void EngineMetrics::answered(MetricChannel ch, Answer a, std::chrono::nanoseconds took) {
  const size_t c = size_t(ch);
  ++answers_[c][a];
  Histogram& h = latency_[c];
  const double secs = std::chrono::duration<double>(took).count();
  const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), secs);
  if (it != kBounds.end()) ++h.buckets[size_t(it - kBounds.begin())];
  ++h.count;
  h.sum += secs;
}

void EngineMetrics::alert(const Alert& a) {
  std::lock_guard<std::mutex> lock(alerts_mu_);
  ++alerts_[{a.rule, a.priority, a.action}];
}

std::string EngineMetrics::render(const Snapshot& s) const {
  const auto C = MetricType::Counter;
  const auto G = MetricType::Gauge;
  std::vector<MetricFamily> out;

  auto events = family("vigil_events_total", "Events judged and answered, by channel", C);
  auto answers = family("vigil_answers_total",
                        "Answers given to the kernel, by channel and answer (deny: EPERM or "
                        "FAN_DENY; kill: SIGKILL)",
                        C);
  auto latency =
      family("vigil_answer_latency_seconds", "Time from reading an event to its answer, by channel",
             MetricType::Histogram);
  for (size_t c = 0; c < 2; ++c) {
    const Histogram& h = latency_[c];
    events.metric.push_back(value(C, double(h.count), {{"channel", kChannels[c]}}));
    for (size_t a = 0; a < 3; ++a) {
      answers.metric.push_back(
          value(C, double(answers_[c][a]), {{"channel", kChannels[c]}, {"answer", kAnswers[a]}}));
    }
    ClientMetric m;
    m.label = {{"channel", kChannels[c]}};
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum;
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBounds.size(); ++b) {
      cumulative += h.buckets[b];
      m.histogram.bucket.push_back({cumulative, kBounds[b]});
    }
    m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
    latency.metric.push_back(std::move(m));
  }
  out.push_back(std::move(events));
  out.push_back(std::move(answers));
  out.push_back(std::move(latency));

  auto alerts = family("vigil_alerts_total",
                       "Alerts raised, by rule, priority and action (block, kill, alert, "
                       "would block, would kill)",
                       C);
  {
    std::lock_guard<std::mutex> lock(alerts_mu_);
    for (const auto& [key, n] : alerts_) {
      const auto& [rule, priority, action] = key;
      alerts.metric.push_back(value(C, double(n),
                                    {{"rule", rule},
                                     {"priority", std::string(priority_name(priority))},
                                     {"action", action}}));
    }
  }
  out.push_back(std::move(alerts));

  auto written = family("vigil_output_alerts_written_total", "Alerts written, by output", C);
  auto dropped = family("vigil_output_alerts_dropped_total",
                        "Alerts an output lost, by output and reason (queue_full: its queue "
                        "was full; failed: the write failed, e.g. its peer is down)",
                        C);
  for (const auto& o : s.outputs) {
    written.metric.push_back(value(C, double(o.written), {{"output", o.name}}));
    dropped.metric.push_back(
        value(C, double(o.dropped), {{"output", o.name}, {"reason", "queue_full"}}));
    dropped.metric.push_back(
        value(C, double(o.failed), {{"output", o.name}, {"reason", "failed"}}));
  }
  out.push_back(std::move(written));
  out.push_back(std::move(dropped));

  auto cache = family("vigil_decision_cache_entries",
                      "Open decisions the kernel now answers by itself (fanotify ignore marks), "
                      "by kind",
                      G);
  cache.metric.push_back(value(G, double(s.cached_files), {{"kind", "file"}}));
  cache.metric.push_back(value(G, double(s.cached_dirs), {{"kind", "directory"}}));
  out.push_back(std::move(cache));

  auto reloads = family("vigil_rule_reloads_total", "Rule reloads, by result", C);
  reloads.metric.push_back(value(C, double(reloads_[0]), {{"result", "ok"}}));
  reloads.metric.push_back(value(C, double(reloads_[1]), {{"result", "failed"}}));
  out.push_back(std::move(reloads));

  out.push_back(
      single("vigil_rules_in_force", "Rules compiled and in force", G, double(s.rules_in_force)));
  out.push_back(single("vigil_rules_last_reload_ok",
                       "1 if the last load of the rules worked (else the previous rules stay "
                       "in force)",
                       G, s.last_reload_ok));
  out.push_back(single("vigil_enforcing", "1 in enforce mode, 0 in monitor mode", G, s.enforcing));
  out.push_back(
      single("vigil_containers", "Containers registered by their hooks", G, double(s.containers)));
  out.push_back(single("vigil_seccomp_sessions", "Seccomp listener sessions served", G,
                       double(s.seccomp_sessions)));
  out.push_back(single("vigil_file_watches", "Containers whose files are watched", G,
                       double(s.file_watches)));
  out.push_back(single("vigil_engine_restarts_total",
                       "Times the keeper started a new engine after one died", C,
                       double(s.engine_restarts)));
  if (s.keeper_alive >= 0) {
    out.push_back(single("vigil_keeper_alive",
                         "1 while the keeper that holds the containers' fds is alive", G,
                         s.keeper_alive));
  }
  out.push_back(single("vigil_open_intents_unknown_total",
                       "File opens whose read/write intent could not be read", C,
                       double(s.open_intents_unknown)));
  out.push_back(single("vigil_watchdog_fallbacks_total",
                       "File permission events answered by the watchdog's fallback", C,
                       double(s.watchdog_fallbacks)));
  out.push_back(single("vigil_recorded_events_total", "Events written to the recording", C,
                       double(s.record_written)));
  out.push_back(single("vigil_recorded_events_dropped_total",
                       "Events the recording dropped (its queue was full)", C,
                       double(s.record_dropped)));
  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, out);
  return os.str();
}

}  // namespace vigil::web
