package vtl

// The tree a template compiles to. Nodes render; expressions evaluate. Positions are byte offsets into the
// template source, turned into line and column only when an error is reported.

type node any

type textNode struct{ s string }

// refNode renders a reference in text, with Velocity's escaping: esc holds half the backslashes that
// preceded the $, and an odd count (escaped) prints the reference's source instead of its value.
type refNode struct {
	ref     *refExpr
	quiet   bool
	escaped bool
	esc     string
}

type setNode struct {
	pos    int
	target *refExpr
	value  expr
}

type ifNode struct {
	conds  []expr
	blocks [][]node
	els    []node // nil without #else
}

type foreachNode struct {
	pos   int
	slot  int // loop variable
	items expr
	body  []node
}

type defineNode struct {
	slot int
	body []node
}

type macro struct {
	name   string
	params []int // slots
	body   []node
}

type macroCallNode struct {
	pos   int
	name  string
	args  []expr
	body  []node // #@name(...) body #end
	block bool
	m     *macro // linked after parsing; nil renders lit
	lit   string // the call's source, rendered when no macro has the name
}

type breakNode struct {
	pos   int
	scope expr // nil: the innermost #foreach
}

type stopNode struct{}

// Expressions.

type expr any

type constExpr struct{ v any }

// strExpr is a double-quoted string that holds references or directives: a template rendered to a string.
type strExpr struct {
	nodes []node
}

type listExpr struct{ items []expr }

type mapExpr struct{ keys, vals []expr }

type rangeExpr struct {
	pos      int
	from, to expr
}

type opKind uint8

const (
	opOr opKind = iota
	opAnd
	opEq
	opNe
	opLt
	opGt
	opLe
	opGe
	opAdd
	opSub
	opMul
	opDiv
	opMod
)

type binExpr struct {
	pos  int
	op   opKind
	l, r expr
}

type notExpr struct{ x expr }

type partKind uint8

const (
	partProp partKind = iota
	partMethod
	partIndex
)

type part struct {
	kind partKind
	pos  int
	name string
	args []expr // method arguments, or the one index
}

// refExpr is $name followed by properties, method calls and indexes.
type refExpr struct {
	pos   int
	slot  int
	name  string
	parts []part
	src   string // the reference as written, without leading backslashes
}
