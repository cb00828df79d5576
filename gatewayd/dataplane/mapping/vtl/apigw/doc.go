// Package apigw evaluates Amazon API Gateway mapping templates: it gives a vtl template API Gateway's
// variables ($input, $util, $context, $stageVariables) from one Input, and returns the body with the
// request and response overrides the template set.
//
// Where API Gateway's behaviour is not in its documentation, it follows what AWS was observed to do (the
// golden cases in testdata/golden record the evidence for each) or, failing that, Velocity 1.7 running
// over the Java classes API Gateway is built on.
//
// # Null references
//
// API Gateway evaluates a reference that resolves to null as an empty string: it prints nothing, equals
// "" (so both $missing == $other and $missing.field == "" are true), and, being a string, is true in #if.
// Render always sets vtl.Options.NullAsEmpty. To test for a value, compare with "": #if("$!x" != "").
//
// # $input
//
//   - $input.body is the body as text, and "{}" when the body is empty, as AWS returns it.
//   - $input.json(path) returns JSON text and $input.path(path) a value to navigate: objects are
//     insertion-ordered maps that print as {k=v} (Java's LinkedHashMap), arrays lists that print as JSON
//     (json-smart's JSONArray). JSONPath follows Jayway, which API Gateway uses: a path to one value (names
//     and single indexes) returns that value, or null when it does not exist; any other path ($..a,
//     $.a[*], filters, slices, unions) returns the list of matches; a path without a leading $ is read as
//     $.path. Evaluation uses github.com/ohler55/ojg.
//   - The body is parsed once per evaluation, on first use. The reader also takes single-quoted strings,
//     bare object keys and trailing commas, which AWS's (Jackson, by its error messages) refuses. When
//     Input.ContentType is JSON (or empty, which API Gateway takes for JSON), a body that is not JSON makes
//     $input.json and $input.path fail with a *BodyError, whose message ("Could not parse request body
//     into json: ...") API Gateway answers with, status 400. Any other body that is not JSON is one
//     string to JSONPath: $input.path('$') is the form text a Slack command posts, $input.json('$') that
//     text quoted.
//   - $input.params() is a map of the maps "path", "querystring" and "header"; $input.params(name) looks
//     in the path parameters, the query string and the headers, in that order, and returns "" when none
//     has it. Header names match there without regard to case. The maps iterate in java.util.HashMap
//     order, which is what API Gateway's do.
//
// # $util
//
// escapeJavaScript (Apache Commons Lang's: quotes, backslash and slash escaped, control and non-ASCII
// characters as \uXXXX; single quotes become \', which JSON does not allow, as the documentation warns),
// parseJson, urlEncode and urlDecode (Java's URLEncoder and URLDecoder: form encoding, space as +),
// base64Encode and base64Decode (UTF-8 text). A null argument gives null.
//
// # $context
//
// requestId, extendedRequestId, apiId, accountId, deploymentId, stage, resourceId, resourcePath,
// httpMethod, path, protocol, domainName, domainPrefix, requestTime (dd/MMM/yyyy:HH:mm:ss +0000),
// requestTimeEpoch (milliseconds), identity.* (sourceIp, userAgent, apiKey, apiKeyId, caller, user,
// userArn, accessKey, accountId, principalOrgId and the cognito* ones), authorizer.principalId,
// authorizer.claims.* and the other authorizer.* keys, error.message, error.messageString,
// error.responseType and error.validationErrorString.
//
// $context is a java.util.HashMap as in API Gateway: $context.keySet() lists keys in the order AWS
// printed them, and the nested maps (identity, authorizer, claims, error, requestOverride,
// responseOverride) print as empty strings, as AWS's do, while their keys and values remain readable.
//
// Overrides are set with #set($context.requestOverride.header.name = "v"), .querystring.name,
// .path.name, $context.responseOverride.status and .header.name, or with put() or an index. A list value
// sets several values. Overrides are final: setting one twice fails the evaluation, as API Gateway
// answers 5XX. Input.Overrides hands the overrides of a MOCK integration's request template to its
// response template, which can read them.
//
// $stageVariables.name, $stageVariables['name'] and ${stageVariables['name']} read stage variables.
//
// MockStatus reads the statusCode a MOCK integration's rendered request template asks for, leniently.
//
// # Gaps
//
// The access-logging-only $context variables (authorize.*, integration.*, waf*, responseLatency, status
// and the like) are not set; they belong to access logs, not templates. $input.json on a path that does
// not exist gives null (so nothing is printed): AWS's exact output there is not documented. Doubles in
// JSON output are printed as Java prints them (1000.0 for 1e3).
package apigw
