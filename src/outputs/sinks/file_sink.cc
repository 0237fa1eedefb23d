// The file sink: JSON lines, appended.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "src/outputs/alert_record.h"
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {
namespace {

class FileSink final : public AlertSink {
 public:
  FileSink(std::string path, std::FILE* f, const FormatOptions& format, bool buffered)
      : path_(std::move(path)), file_(f), format_(format), buffered_(buffered) {
    format_.json = true;
  }
  ~FileSink() override {
    if (file_) std::fclose(file_);
  }
  std::string_view name() const override { return "file"; }
  bool write(const Alert& a) override {
    if (!file_) return false;
    const bool ok = std::fprintf(file_, "%s\n", to_json_line(a, format_).c_str()) >= 0;
    return (buffered_ || std::fflush(file_) == 0) && ok;
  }
  void reopen() override {
    if (std::FILE* f = std::fopen(path_.c_str(), "ae")) {
      if (file_) std::fclose(file_);
      file_ = f;
    }
  }

 private:
  std::string path_;
  std::FILE* file_;
  FormatOptions format_;
  bool buffered_;
};

}  // namespace

std::unique_ptr<AlertSink> make_file_sink(const std::string& path, const FormatOptions& format,
                                          bool buffered, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (!f) {
    error = "cannot open " + path + " for alerts: " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<FileSink>(path, f, format, buffered);
}

}  // namespace vigil::outputs
