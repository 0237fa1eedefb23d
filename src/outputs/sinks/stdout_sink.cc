// The stdout sink.
#include <cstdio>

#include "src/outputs/alert_record.h"
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {
namespace {

class StdoutSink final : public AlertSink {
 public:
  StdoutSink(const FormatOptions& f, bool buffered) : format_(f), buffered_(buffered) {}
  std::string_view name() const override { return "stdout"; }
  bool write(const Alert& a) override {
    const bool ok = std::fprintf(stdout, "%s\n", to_line(a, format_).c_str()) >= 0;
    return (buffered_ || std::fflush(stdout) == 0) && ok;
  }

 private:
  FormatOptions format_;
  bool buffered_;
};

}  // namespace

std::unique_ptr<AlertSink> make_stdout_sink(const FormatOptions& f, bool buffered) {
  return std::make_unique<StdoutSink>(f, buffered);
}

}  // namespace vigil::outputs
