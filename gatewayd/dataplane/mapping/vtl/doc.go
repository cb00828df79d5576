// Package vtl is an engine for the Velocity Template Language (Apache Velocity 1.7), the language of
// Amazon API Gateway's mapping templates. A template is compiled once with Parse and evaluated any number
// of times, concurrently, with Execute. Package apigw supplies API Gateway's variables.
//
// # Language
//
// References: $x, ${x}, $!x and $!{x}; properties $a.b (a map key, or a Java getter that this package
// knows), methods $a.b(args), indexes $a[0], $a['k'] and $a[$i] (negative list indexes count from the
// end), chained freely. Identifiers may hold hyphens ($elem.partition-key), as in Velocity. A reference
// that resolves to null prints its own source text, or nothing when written $!x; with
// Options.NullAsEmpty it evaluates to "" instead, as API Gateway's engine does. Backslashes escape
// references and directives as in Velocity: \$x prints $x when $x is defined and \$x when it is not, pairs
// of backslashes print as one.
//
// Directives: #set, #if/#elseif/#else/#end, #foreach (with $foreach.index, .count, .hasNext, .first,
// .last, .parent, .topmost, and Velocity 1.7's $velocityCount and $velocityHasNext), #break and
// #break($foreach.parent), #stop, #define, #macro with calls #name(args) and block calls #@name(args) ...
// #end that see $bodyContent, ## and #* *# comments, #[[ unparsed ]]#, and the braced forms #{if},
// #{else}, #{end} and the like. An unknown #name, or a call of a macro that does not exist, is text.
//
// Literals: "double-quoted" strings interpolate references and directives, 'single-quoted' ones do not;
// a doubled quote escapes itself and \uXXXX is a character in double quotes (other backslashes are
// literal, as in Velocity). Integers, decimals with exponents, true, false, lists [1, "a", $x], maps
// {"k": $v} and integer ranges [1..$n] (descending when the start is larger). There is no null literal.
//
// Operators: + - * / % (integers divide as integers, a double makes a double, + with a string
// concatenates, anything else or a division by zero is null), == != < > <= >= (numbers by value, values
// of one class by Java's equals, other pairs by their toString; < and the others only order numbers),
// && || ! and the words and, or, not, eq, ne, lt, gt, le, ge.
//
// Methods: those of java.lang.String (length, substring, indexOf, lastIndexOf, contains, startsWith,
// endsWith, toLowerCase, toUpperCase, trim, replace, replaceAll, replaceFirst, split, matches, equals,
// equalsIgnoreCase, compareTo, isEmpty, charAt, concat, hashCode, toString), java.util.List (size, get,
// isEmpty, contains, indexOf, lastIndexOf, add, addAll, remove, set, subList, clear), java.util.Map
// (size, get, getOrDefault, put, putIfAbsent, putAll, containsKey, containsValue, keySet, values,
// entrySet with .key and .value, remove, clear, isEmpty), numbers (intValue, longValue, doubleValue,
// floatValue, compareTo, isNaN, isInfinite) and Boolean. String indexes count UTF-16 units, as Java's do.
// A method that does not exist, or does not take such arguments, makes the reference invalid (null), as
// in Velocity; an exception Java would throw (an index out of range, a bad regex) fails the evaluation.
//
// Values are Go values: nil, bool, int64 (Java's int and long), float64, string, *List and *Map (shared
// by reference, so $list.add(1) is seen through every variable holding the list) and host Objects. Values
// print as Java's toString does: {k=v, k2=v2}, [a, b], doubles as 1.0, 1.5E10 and 0.001.
//
// # Semantics chosen where Velocity 1.7 is configurable or API Gateway differs
//
// Whitespace follows Velocity 1.7's lexer, which API Gateway uses: a directive's closing parenthesis,
// #else and #end swallow blanks and one line break after them when nothing else follows on the line; the
// indentation before a directive stays in the output, except before #set when that indentation starts
// the token stream (at the start of the template, or after another directive, a reference or a
// comment).
//
// #set with a null value leaves its target unchanged, Velocity 1.7's default (directive.set.null.allowed
// false). Under NullAsEmpty a null reference is "" and so is assigned.
//
// #foreach over a map iterates its values; over null, a string or a number it renders nothing. It stops,
// without an error, after Options.MaxLoop iterations (1,000, API Gateway's limit).
//
// # Differences from Velocity 1.7
//
//   - Macro arguments are evaluated once, before the call; Velocity 1.7 passes them by name and
//     evaluates them at each use, which differs only for arguments with side effects.
//   - Method arguments and indexes take any expression; Velocity 1.7 accepts only literals and references
//     there. A "-" followed by a digit is subtraction after a value ($a -1), a negative number elsewhere.
//   - #include, #parse, #evaluate and #literal are not supported: there are no other templates to read
//     and API Gateway's templates do not use them. They are parse errors.
//   - Only the Java methods listed above exist: no getClass, no static methods. String.split returns a
//     List, which prints as [a, b] instead of a Java array's [Ljava.lang.String;@1b6d3586.
//   - Integer overflow gives a double where Java would widen to BigInteger.
//   - Lists and maps used as map keys are compared by identity, not by content.
//   - Regular expressions run on Go's RE2, in linear time: Java's lookaround, backreferences, possessive
//     quantifiers and (?x) are errors; the \p{Alpha}-style POSIX classes are translated.
//   - Recursion (a macro calling itself, a #define referring to itself) stops with an ErrLimit error at
//     MaxDepth instead of Velocity's silent truncation of #define.
//
// # Limits
//
// Every evaluation is bounded, whatever the template and its input; exceeding a limit returns an *Error
// that wraps ErrLimit, never a hang or a panic:
//
//   - MaxSteps, default 1,000,000: nodes rendered, expressions and property accesses evaluated, loop
//     iterations, and a share of the work of methods on large strings, lists and maps.
//   - MaxOutput, default 10 MB: bytes written, and the length of any one string built.
//   - MaxMemory, default 64 MB: bytes of strings, list elements and map entries the template creates.
//   - MaxDepth, default 20 (Velocity's velocimacro.max.depth): nested macro calls and #define expansions.
//   - MaxLoop, default 1,000: iterations of one #foreach, which then stops without an error.
//
// Parsing bounds nesting (blocks, parentheses, interpolated strings) at 200 levels. A panic raised during
// Execute, by a host Object for instance, fails that evaluation with an *Error instead of the process. Parse errors and
// evaluation errors are *Error values with a 1-based Line and Col (in characters), formatted as
// "line 3, column 12: #end without a matching #if/#foreach/#define/#macro".
package vtl
