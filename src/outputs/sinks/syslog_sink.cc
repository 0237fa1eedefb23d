// The syslog sink. openlog() is process-wide: one sink per process.
#include <syslog.h>

#include "src/outputs/alert_record.h"
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {
namespace {

class SyslogSink final : public AlertSink {
 public:
  explicit SyslogSink(const FormatOptions& f) : format_(f) {
    ::openlog("vigil", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  }
  std::string_view name() const override { return "syslog"; }
  bool write(const Alert& a) override {
    // Falco's priorities are syslog severities.
    ::syslog(LOG_DAEMON | int(a.priority), "%s", to_syslog_message(a, format_).c_str());
    return true;
  }

 private:
  FormatOptions format_;
};

}  // namespace

std::unique_ptr<AlertSink> make_syslog_sink(const FormatOptions& f) {
  return std::make_unique<SyslogSink>(f);
}

}  // namespace vigil::outputs
