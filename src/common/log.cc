// spdlog's asynchronous logger, overrunning its oldest line rather than ever blocking.
#include "src/common/log.h"

#include <syslog.h>

#include <vector>

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

namespace vigil::log {
namespace {

std::shared_ptr<spdlog::logger> sync_logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto s = std::make_shared<spdlog::logger>("vigil-sync",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s->set_pattern("vigil: %v");
    return s;
  }();
  return l;
}

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = sync_logger();
  return l;
}

}  // namespace

namespace {

spdlog::level::level_enum level_of(const std::string& falco) {
  if (falco == "emergency" || falco == "alert" || falco == "critical") {
    return spdlog::level::critical;
  }
  if (falco == "error") return spdlog::level::err;
  if (falco == "warning") return spdlog::level::warn;
  if (falco == "debug") return spdlog::level::debug;
  return spdlog::level::info;  // notice, info
}

std::vector<spdlog::sink_ptr> sinks_for(const std::string& prefix, const Options& o) {
  std::vector<spdlog::sink_ptr> sinks;
  if (o.to_stderr) {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z " + prefix + ": %l: %v");
    sinks.push_back(s);
  }
  if (o.to_syslog) {
    auto s = std::make_shared<spdlog::sinks::syslog_sink_mt>("vigil", LOG_PID, LOG_DAEMON, true);
    s->set_pattern(prefix + ": %v");
    sinks.push_back(s);
  }
  return sinks;
}

}  // namespace

void init(const std::string& prefix, const Options& o) {
  spdlog::init_thread_pool(8192, 1);
  auto sinks = sinks_for(prefix, o);
  auto l = std::make_shared<spdlog::async_logger>(prefix, sinks.begin(), sinks.end(),
                                                  spdlog::thread_pool(),
                                                  spdlog::async_overflow_policy::overrun_oldest);
  l->set_level(level_of(o.level));
  l->flush_on(spdlog::level::trace);
  logger() = l;
}

void init_sync(const std::string& prefix, const Options& o) {
  auto sinks = sinks_for(prefix, o);
  auto l = std::make_shared<spdlog::logger>(prefix, sinks.begin(), sinks.end());
  l->set_level(level_of(o.level));
  l->flush_on(spdlog::level::trace);
  logger() = l;
}

void debug(const std::string& line) { logger()->debug(line); }
void info(const std::string& line) { logger()->info(line); }
void warn(const std::string& line) { logger()->warn(line); }
void error(const std::string& line) { logger()->error(line); }

void shutdown() {
  auto async = logger();
  logger() = sync_logger();
  async->flush();
  async.reset();
  spdlog::shutdown();  // joins the logging thread once its queue is written
}

}  // namespace vigil::log
