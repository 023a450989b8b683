package syntax

type queryKind int

const (
	qCalls queryKind = iota
	qStrings
	qComments
	qFunctions
	qAssignments
)

// The queries each grammar answers the package's questions with. Captures
// are named alike in every language: @call @callee @args (or @arg, one per
// argument), @string, @comment, @function @name @params @body, @assign
// @left @right.

var (
	cComments  = []string{"comment"}
	cStrings   = []string{"string_literal", "char_literal", "concatenated_string", "system_lib_string"}
	cppStrings = []string{"string_literal", "char_literal", "concatenated_string", "system_lib_string", "raw_string_literal"}

	cCommon = map[queryKind]string{
		qCalls:    `(call_expression function: (_) @callee arguments: (argument_list) @args) @call`,
		qStrings:  `(string_literal) @string (char_literal) @string`,
		qComments: `(comment) @comment`,
		qFunctions: `(function_definition declarator: [
			(function_declarator declarator: (_) @name parameters: (parameter_list) @params)
			(pointer_declarator declarator: (function_declarator declarator: (_) @name parameters: (parameter_list) @params))
			(pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (_) @name parameters: (parameter_list) @params)))
		] body: (_) @body) @function`,
		qAssignments: `(assignment_expression left: (_) @left right: (_) @right) @assign
			(init_declarator declarator: (_) @left value: (_) @right) @assign`,
	}
	cQueries   = cCommon
	cppQueries = with(cCommon, map[queryKind]string{
		qStrings: `(string_literal) @string (char_literal) @string (raw_string_literal) @string`,
		qFunctions: cCommon[qFunctions] + `
			(function_definition declarator: (reference_declarator (function_declarator declarator: (_) @name parameters: (parameter_list) @params)) body: (_) @body) @function
			(lambda_expression declarator: (abstract_function_declarator parameters: (parameter_list) @params) body: (_) @body) @function`,
	})

	javaComments = []string{"line_comment", "block_comment"}
	javaStrings  = []string{"string_literal", "character_literal", "text_block"}
	javaQueries  = map[queryKind]string{
		qCalls: `(method_invocation name: (_) @callee arguments: (argument_list) @args) @call
			(object_creation_expression type: (_) @callee arguments: (argument_list) @args) @call`,
		qStrings:  `(string_literal) @string (character_literal) @string`,
		qComments: `(line_comment) @comment (block_comment) @comment`,
		qFunctions: `(method_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(constructor_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(lambda_expression parameters: (_) @params body: (_) @body) @function`,
		qAssignments: `(assignment_expression left: (_) @left right: (_) @right) @assign
			(variable_declarator name: (_) @left value: (_) @right) @assign`,
	}

	jsComments = []string{"comment", "html_comment"}
	jsStrings  = []string{"string", "template_string", "regex"}
	jsQueries  = map[queryKind]string{
		qCalls: `(call_expression function: (_) @callee arguments: (arguments) @args) @call
			(new_expression constructor: (_) @callee arguments: (arguments) @args) @call`,
		qStrings:  `(string) @string (template_string) @string`,
		qComments: `(comment) @comment`,
		qFunctions: `(function_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(generator_function_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(method_definition name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(function_expression parameters: (formal_parameters) @params body: (_) @body) @function
			(arrow_function parameters: (formal_parameters) @params body: (_) @body) @function
			(arrow_function parameter: (_) @params body: (_) @body) @function`,
		qAssignments: `(assignment_expression left: (_) @left right: (_) @right) @assign
			(variable_declarator name: (_) @left value: (_) @right) @assign`,
	}
	tsQueries = with(jsQueries, map[queryKind]string{
		qFunctions: `(function_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(generator_function_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(method_definition name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(function_expression parameters: (formal_parameters) @params body: (_) @body) @function
			(arrow_function parameters: (formal_parameters) @params body: (_) @body) @function
			(arrow_function parameter: (_) @params body: (_) @body) @function`,
	})

	phpComments = []string{"comment"}
	phpStrings  = []string{"string", "encapsed_string", "heredoc", "nowdoc"}
	phpQueries  = map[queryKind]string{
		qCalls: `(function_call_expression function: (_) @callee arguments: (arguments) @args) @call
			(member_call_expression name: (_) @callee arguments: (arguments) @args) @call
			(scoped_call_expression name: (_) @callee arguments: (arguments) @args) @call`,
		qStrings:  `(string) @string (encapsed_string) @string (heredoc) @string (nowdoc) @string`,
		qComments: `(comment) @comment`,
		qFunctions: `(function_definition name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(method_declaration name: (_) @name parameters: (formal_parameters) @params body: (_) @body) @function
			(anonymous_function parameters: (formal_parameters) @params body: (_) @body) @function
			(arrow_function parameters: (formal_parameters) @params body: (_) @body) @function`,
		qAssignments: `(assignment_expression left: (_) @left right: (_) @right) @assign`,
	}

	pyComments = []string{"comment"}
	pyStrings  = []string{"string", "concatenated_string"}
	pyQueries  = map[queryKind]string{
		qCalls:    `(call function: (_) @callee arguments: (_) @args) @call`,
		qStrings:  `(string) @string`,
		qComments: `(comment) @comment`,
		qFunctions: `(function_definition name: (_) @name parameters: (parameters) @params body: (_) @body) @function
			(lambda parameters: (_)? @params body: (_) @body) @function`,
		qAssignments: `(assignment left: (_) @left right: (_) @right) @assign
			(augmented_assignment left: (_) @left right: (_) @right) @assign`,
	}

	shComments = []string{"comment"}
	shStrings  = []string{"string", "raw_string", "ansi_c_string", "translated_string", "heredoc_body"}
	shQueries  = map[queryKind]string{
		qCalls:       `(command name: (command_name) @callee argument: (_)* @arg) @call`,
		qStrings:     `(string) @string (raw_string) @string (ansi_c_string) @string (heredoc_body) @string`,
		qComments:    `(comment) @comment`,
		qFunctions:   `(function_definition name: (_) @name body: (_) @body) @function`,
		qAssignments: `(variable_assignment name: (_) @left value: (_) @right) @assign`,
	}
)

func with(base, over map[queryKind]string) map[queryKind]string {
	m := make(map[queryKind]string, len(base))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}
