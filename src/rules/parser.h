// Parser for Falco's condition language (libsinsp's filter grammar), producing ast::Expr.
//
//   Expr      ::= OrExpr
//   OrExpr    ::= AndExpr ('or' (' ' AndExpr | '(' Expr ')'))*
//   AndExpr   ::= NotExpr ('and' (' ' NotExpr | '(' Expr ')'))*
//   NotExpr   ::= ('not ')* ('not(' Expr ')' | Check)
//   Check     ::= Operand Condition | Identifier | '(' Expr ')'
//   Operand   ::= Field | Transformer '(' Operand (',' Operand)* ')'
//   Condition ::= 'exists'
//               | NumOp (Number | TransformerOrVal)
//               | StrOp (QuotedStr | BareStr | TransformerOrVal)
//               | ListOp ('(' (Value (',' Value)*)? ')' | Identifier | TransformerOrVal)
//   Field     ::= FieldName ('[' (QuotedStr | [^][\"' \t\r\n]+) ']')?
//   NumOp     ::= '<=' | '<' | '>=' | '>'
//   StrOp     ::= '==' | '=' | '!=' | 'contains' | 'icontains' | 'bcontains' | 'startswith'
//               | 'bstartswith' | 'endswith' | 'glob' | 'iglob' | 'regex'
//   ListOp    ::= 'in' | 'intersects' | 'pmatch'
//   Transformer ::= 'tolower' | 'toupper' | 'b64' | 'basename' | 'len'   ('val' on the right)
//
//   Identifier ::= [a-zA-Z]+[a-zA-Z0-9_]*
//   FieldName  ::= Identifier ('.' Identifier)+
//   Number     ::= [+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)? | 0[xX][0-9a-fA-F]+
//   QuotedStr  ::= "..." | '...'   (escapes: \b \f \n \r \t \\ \/ \" \' \xHH)
//   BareStr    ::= [^()"'\s=,]+
//
// Nesting deeper than kMaxDepth is an error, so hostile input cannot exhaust the stack.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "src/rules/ast.h"

namespace vigil::rules {

inline constexpr unsigned kMaxConditionDepth = 1000;  // as Falco's rule loader

struct ParseError : std::runtime_error {
  ParseError(size_t offset, const std::string& msg) : std::runtime_error(msg), offset(offset) {}
  size_t offset;
};

// Throws ParseError on malformed input.
std::unique_ptr<ast::Expr> parse_condition(std::string_view text);

// Parses one value token (a list item or exception value) the way a condition would.
// Returns false if `text` is not exactly one quoted or bare string.
bool parse_value_token(std::string_view text, ast::Literal& out, std::string& error);

// Parses an output-format field reference starting at `text` ("proc.aname[2] rest", or
// "tolower(proc.name)"); returns the operand and sets `consumed`. Throws ParseError.
std::unique_ptr<ast::Operand> parse_output_operand(std::string_view text, size_t& consumed);

}  // namespace vigil::rules
