package model

// APIDefinition is a whole API as a document describes it (an OpenAPI import): its objects are named
// by path and verb, never by id, and the control plane gives them ids when it applies the definition.
type APIDefinition struct {
	Name        string
	Description string
	// APIKeySource is "" and BinaryMediaTypes nil when the document does not say.
	APIKeySource     string
	BinaryMediaTypes []string
	// MinimumCompressionSize is nil when the document does not say, -1 when it turns compression off.
	MinimumCompressionSize *int
	// Policy is the resource policy (IAM JSON); nil when the document has none (the API's stays).
	Policy *string
	// Resources are the document's paths, sorted; a path's parents need not be listed.
	Resources         []ResourceDefinition
	Models            []Model
	RequestValidators []RequestValidator
	// Authorizers are the document's authorizers, named by their security schemes.
	Authorizers []Authorizer
	// GatewayResponses are the document's gateway responses; nil when the document does not say (the
	// API's stay as they are), empty when it has none.
	GatewayResponses []GatewayResponse
	// Pointers name where objects came from in the document (JSON pointers), for errors. Keys are
	// DefinitionKey's.
	Pointers map[string]string
}

// ResourceDefinition is one path of a definition with its methods.
type ResourceDefinition struct {
	Path    string
	Methods []MethodDefinition
}

// MethodDefinition is a method with what hangs from it. Method.RequestValidatorID and
// Method.AuthorizerID hold the name of a request validator or authorizer of the definition (or of the
// API), not an id.
type MethodDefinition struct {
	Method               Method
	Integration          *Integration
	MethodResponses      []MethodResponse
	IntegrationResponses []IntegrationResponse
}

// DefinitionKey is the key of an object of a definition in APIDefinition.Pointers: kind ("resource",
// "method", "model", "validator", "authorizer", "gateway_response", "policy") and name (the path, "VERB
// PATH", the model, validator or authorizer name, the response type, "" for the policy).
func DefinitionKey(kind, name string) string { return kind + " " + name }
