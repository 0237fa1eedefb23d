// Where alerts go: stdout, syslog, a file, an HTTP endpoint, a program. Each sink is
// driven by a thread and a bounded queue of its own (src/outputs/sink_queue.h), so a slow
// or dead sink drops its own alerts (counted, reported) and never delays an answer to the
// kernel or another sink.
#pragma once

#include <string>
#include <string_view>

#include "vigil/alert.h"

namespace vigil {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Its name in logs and `vigil status`: "stdout", "syslog", "file", ...
  virtual std::string_view name() const = 0;
  // Writes one alert. Called only from the sink's own thread, one alert at a time; may
  // block (a full disk, a slow peer). False if the alert could not be written (counted).
  virtual bool write(const Alert& a) = 0;
  // Why the last write() failed, for the daemon's log ("connect to host:443: refused").
  virtual std::string last_error() const { return {}; }
  // Reopens what it writes to (after a log rotation). Same thread rules as write().
  virtual void reopen() {}
};

}  // namespace vigil
