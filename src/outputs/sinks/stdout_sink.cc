// The stdout sink.
#include <cstdio>

#include "src/outputs/alert_record.h"
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {
namespace {

class StdoutSink final : public AlertSink {
 public:
  explicit StdoutSink(bool json) : json_(json) {}
  std::string_view name() const override { return "stdout"; }
  bool write(const Alert& a) override {
    const std::string line = json_ ? to_json_line(a) : to_text_line(a);
    const bool ok = std::fprintf(stdout, "%s\n", line.c_str()) >= 0;
    return std::fflush(stdout) == 0 && ok;
  }

 private:
  bool json_;
};

}  // namespace

std::unique_ptr<AlertSink> make_stdout_sink(bool json) {
  return std::make_unique<StdoutSink>(json);
}

}  // namespace vigil::outputs
