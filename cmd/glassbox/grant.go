package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// grantCommand is a vendor's side of grants on a remote centre; on the
// centre's machine an operator uses 'glassbox admin grant'.
func grantCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "grant", Short: "With --server: let an evaluator organisation see one of your products"}
	var product, evaluator, expires string
	var asJSON bool
	create := &cobra.Command{
		Use:   "create --product PRODUCT --evaluator ORG --expires 90d|DATE",
		Short: "Let an evaluator organisation see a product of yours until a date",
		Long: `Grant an evaluator organisation access to the releases of a product you own
on the centre given by --server — source, artefacts, findings, SBOMs,
reports — until the grant expires or is revoked. Every read under the grant
goes on your access record (glassbox access). Your token needs the admin
scope; the centre's operators use 'glassbox admin grant create' instead.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !g.remote() {
				return usageError{fmt.Errorf("glassbox grant runs against a centre (--server URL); on the centre's machine, use glassbox admin grant create")}
			}
			if product == "" || evaluator == "" {
				return usageError{fmt.Errorf("--product and --evaluator are required")}
			}
			until, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			gr, err := c.CreateGrant(cmd.Context(), product, evaluator, until)
			if err != nil {
				return err
			}
			return printGrant(g, gr, asJSON)
		},
	}
	create.Flags().StringVar(&product, "product", "", "your product (required)")
	create.Flags().StringVar(&evaluator, "evaluator", "", "the evaluator organisation (required)")
	create.Flags().StringVar(&expires, "expires", "", "when the grant ends: 90d, 720h, 2027-03-31 or an RFC 3339 time (required)")
	create.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(create)
	return cmd
}
