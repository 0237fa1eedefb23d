// Names of the field vocabulary's enums, for reports.
#include "vigil/field.h"

namespace vigil {

std::string_view channel_name(Channel c) {
  switch (c) {
    case Channel::kSyscall:
      return "syscall";
    case Channel::kFileOpen:
      return "fanotify-open";
    case Channel::kFileExec:
      return "fanotify-exec";
    case Channel::kFileModify:
      return "fanotify-modify";
  }
  return "?";
}

std::string_view field_type_name(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "number";
    case FieldType::kBool:
      return "bool";
    case FieldType::kIp:
      return "address";
    case FieldType::kStringList:
      return "string list";
  }
  return "?";
}

}  // namespace vigil
