package parser

import "go/token"

func f(tok token.Token) string {
	authorName := "Robert Griesemer"
	tokenKind := "IDENTIFIER_OR_KEYWORD"
	return authorName + tokenKind + tok.String()
}
