package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"liaison"
	"liaison/service"
)

// withService opens the store and runs fn as the command-line administrator.
func (e *env) withService(cmd *cobra.Command, fn func(ctx context.Context, svc *service.Service) error) error {
	store, err := e.openStore(cmd.Context())
	if err != nil {
		return err
	}
	defer store.Close()
	who := "cli"
	if u, err := user.Current(); err == nil {
		who = "cli:" + u.Username
	}
	svc, err := e.newService(store)
	if err != nil {
		return err
	}
	return fn(liaison.NewContext(cmd.Context(), liaison.Actor{System: who}), svc)
}

// table prints rows as aligned columns, or the items as JSON.
func (e *env) table(asJSON bool, items any, header string, rows func(add func(cols ...any))) error {
	if asJSON {
		return writeJSON(e.stdout, items)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(func(cols ...any) {
		s := make([]string, len(cols))
		for i, c := range cols {
			s[i] = fmt.Sprint(c)
		}
		fmt.Fprintln(tw, strings.Join(s, "\t"))
	})
	return tw.Flush()
}

// all pages through a list.
func all[T any](list func(p liaison.Page) ([]*T, string, error)) ([]*T, error) {
	var out []*T
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		p.After = next
	}
}

func (e *env) adminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage agencies, users, communities, agreements and API tokens"}
	cmd.AddCommand(e.agencyCmd(), e.userCmd(), e.communityCmd(), e.agreementCmd(), e.tokenCmd())
	return cmd
}

// agencyID resolves an agency id or code.
func agencyID(ctx context.Context, svc *service.Service, idOrCode string) (liaison.ID, error) {
	a, err := svc.FindAgency(ctx, idOrCode)
	if err != nil {
		return "", fmt.Errorf("agency %q: %w", idOrCode, err)
	}
	return a.ID, nil
}

func (e *env) agencyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "agency", Short: "Partner agencies"}
	var asJSON bool
	var kind, country string
	list := &cobra.Command{Use: "list", Short: "List agencies", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			items, err := all(func(p liaison.Page) ([]*liaison.Agency, string, error) {
				return svc.ListAgencies(ctx, liaison.AgencyFilter{Kind: liaison.AgencyKind(kind), Country: country}, p)
			})
			if err != nil {
				return err
			}
			return e.table(asJSON, items, "CODE\tKIND\tCOUNTRY\tNAME\tID", func(add func(...any)) {
				for _, a := range items {
					add(a.Code, a.Kind, a.Country, a.Name, a.ID)
				}
			})
		})
	}}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list.Flags().StringVar(&kind, "kind", "", "only this kind")
	list.Flags().StringVar(&country, "country", "", "only this country")

	var in liaison.AgencyInput
	var contact liaison.Contact
	create := &cobra.Command{Use: "create", Short: "Add an agency", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			if contact.Name != "" {
				in.Contacts = []liaison.Contact{contact}
			}
			a, err := svc.CreateAgency(ctx, in)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, a)
		})
	}}
	f := create.Flags()
	f.StringVar(&in.Code, "code", "", "ORI-like code (required)")
	f.StringVar(&in.Name, "name", "", "name (required)")
	f.StringVar((*string)(&in.Kind), "kind", "", "kind: "+strings.Join(kinds(liaison.AgencyKinds), ", "))
	f.StringVar(&in.Country, "country", "US", "ISO 3166-1 alpha-2 country")
	f.StringVar(&contact.Name, "contact-name", "", "point of contact name")
	f.StringVar(&contact.Email, "contact-email", "", "point of contact email")
	f.StringVar(&contact.Phone, "contact-phone", "", "point of contact phone")

	show := &cobra.Command{Use: "show ID|CODE", Short: "Show one agency", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			a, err := svc.FindAgency(ctx, args[0])
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, a)
		})
	}}
	cmd.AddCommand(list, create, show)
	return cmd
}

func kinds[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func (e *env) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "User accounts"}
	var asJSON bool
	var agency, role string
	list := &cobra.Command{Use: "list", Short: "List users", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			f := liaison.UserFilter{Role: liaison.Role(role)}
			if agency != "" {
				id, err := agencyID(ctx, svc, agency)
				if err != nil {
					return err
				}
				f.AgencyID = id
			}
			items, err := all(func(p liaison.Page) ([]*liaison.User, string, error) { return svc.ListUsers(ctx, f, p) })
			if err != nil {
				return err
			}
			return e.table(asJSON, items, "LOGIN\tNAME\tROLES\tMFA\tLOCKED\tID", func(add func(...any)) {
				for _, u := range items {
					add(u.Login, u.Name, strings.Join(kinds(u.Roles), ","), u.MFAEnrolled != nil, u.Locked != nil, u.ID)
				}
			})
		})
	}}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list.Flags().StringVar(&agency, "agency", "", "only users of this agency (id or code)")
	list.Flags().StringVar(&role, "role", "", "only users with this role")

	var in liaison.UserInput
	var roles []string
	var clearance string
	create := &cobra.Command{Use: "create", Short: "Open an account; prints a generated initial password unless --password is given",
		RunE: func(c *cobra.Command, _ []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				id, err := agencyID(ctx, svc, agency)
				if err != nil {
					return err
				}
				in.AgencyID = id
				for _, r := range roles {
					in.Roles = append(in.Roles, liaison.Role(r))
				}
				in.Attributes.Clearance = liaison.Clearance(clearance)
				generated := in.Password == ""
				if generated {
					b := make([]byte, 15)
					_, _ = rand.Read(b)
					in.Password = base64.RawURLEncoding.EncodeToString(b)
				}
				u, err := svc.CreateUser(ctx, in)
				if err != nil {
					return err
				}
				if generated {
					fmt.Fprintf(e.stderr, "initial password for %s: %s\n", u.Login, in.Password)
				}
				return writeJSON(e.stdout, u)
			})
		}}
	f := create.Flags()
	f.StringVar(&in.Login, "login", "", "login (required)")
	f.StringVar(&in.Name, "name", "", "full name (required)")
	f.StringVar(&in.Email, "email", "", "email (required)")
	f.StringVar(&agency, "agency", "", "home agency id or code (required)")
	f.StringSliceVar(&roles, "role", nil, "role, repeatable: "+strings.Join(kinds(liaison.Roles), ", "))
	f.BoolVar(&in.Attributes.SwornOfficer, "sworn", false, "sworn law-enforcement officer")
	f.BoolVar(&in.Attributes.Part23Trained, "part23", false, "28 CFR Part 23 trained")
	f.StringVar(&clearance, "clearance", "none", "clearance: "+strings.Join(kinds(liaison.Clearances), ", "))
	f.StringVar(&in.Password, "password", "", "initial password (default: generated and printed)")

	one := func(use, short string, fn func(ctx context.Context, svc *service.Service, who string) (*liaison.User, error)) *cobra.Command {
		return &cobra.Command{Use: use + " LOGIN", Short: short, Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				u, err := fn(ctx, svc, args[0])
				if err != nil {
					return err
				}
				return writeJSON(e.stdout, u)
			})
		}}
	}
	unlock := one("unlock", "Release a locked account", func(ctx context.Context, svc *service.Service, who string) (*liaison.User, error) {
		return svc.Unlock(ctx, who)
	})
	resetMFA := one("reset-mfa", "Remove a user's second factor; they enrol again at next sign-in",
		func(ctx context.Context, svc *service.Service, who string) (*liaison.User, error) {
			return svc.ResetMFA(ctx, who)
		})
	var grant, revoke []string
	perms := one("roles", "Grant or revoke roles (--grant/--revoke)", func(ctx context.Context, svc *service.Service, who string) (*liaison.User, error) {
		u, err := svc.FindUser(ctx, who)
		if err != nil {
			return nil, err
		}
		next := []liaison.Role{}
		for _, r := range u.Roles {
			if !contains(revoke, string(r)) {
				next = append(next, r)
			}
		}
		for _, r := range grant {
			next = append(next, liaison.Role(r))
		}
		return svc.UpdateUser(ctx, u.ID, liaison.UserUpdate{Roles: &next})
	})
	perms.Flags().StringSliceVar(&grant, "grant", nil, "role to grant, repeatable")
	perms.Flags().StringSliceVar(&revoke, "revoke", nil, "role to revoke, repeatable")
	var password string
	setPw := &cobra.Command{Use: "password LOGIN", Short: "Set a user's password (reads it from --password or standard input)",
		Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				pw := password
				if pw == "" {
					var line string
					if _, err := fmt.Fscanln(e.stdin, &line); err != nil {
						return fmt.Errorf("reading the password from standard input: %w", err)
					}
					pw = line
				}
				if err := svc.SetPassword(ctx, args[0], "", pw); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, "password changed; the user's sessions were ended")
				return nil
			})
		}}
	setPw.Flags().StringVar(&password, "password", "", "the new password")
	cmd.AddCommand(list, create, unlock, resetMFA, perms, setPw)
	return cmd
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func (e *env) communityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "community", Short: "Communities of agencies that share"}
	var asJSON bool
	list := &cobra.Command{Use: "list", Short: "List communities", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			items, err := all(func(p liaison.Page) ([]*liaison.Community, string, error) {
				return svc.ListCommunities(ctx, liaison.CommunityFilter{}, p)
			})
			if err != nil {
				return err
			}
			return e.table(asJSON, items, "NAME\tKIND\tMEMBERS\tID", func(add func(...any)) {
				for _, c := range items {
					add(c.Name, c.Kind, len(c.Members), c.ID)
				}
			})
		})
	}}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var in liaison.CommunityInput
	var members []string
	create := &cobra.Command{Use: "create", Short: "Form a community", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			for _, m := range members {
				id, err := agencyID(ctx, svc, m)
				if err != nil {
					return err
				}
				in.Members = append(in.Members, id)
			}
			got, err := svc.CreateCommunity(ctx, in)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, got)
		})
	}}
	f := create.Flags()
	f.StringVar(&in.Name, "name", "", "name (required)")
	f.StringVar((*string)(&in.Kind), "kind", "", "kind: "+strings.Join(kinds(liaison.CommunityKinds), ", "))
	f.StringVar(&in.Description, "description", "", "what the community is for")
	f.StringSliceVar(&members, "member", nil, "member agency id or code, repeatable")

	membership := func(use, short string, add bool) *cobra.Command {
		return &cobra.Command{Use: use + " COMMUNITY-ID AGENCY", Short: short, Args: cobra.ExactArgs(2), RunE: func(c *cobra.Command, args []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				com, err := svc.FindCommunity(ctx, args[0])
				if err != nil {
					return err
				}
				id, err := agencyID(ctx, svc, args[1])
				if err != nil {
					return err
				}
				next := []liaison.ID{}
				for _, m := range com.Members {
					if m != id {
						next = append(next, m)
					}
				}
				if add {
					next = append(next, id)
				}
				got, err := svc.UpdateCommunity(ctx, com.ID, liaison.CommunityUpdate{Members: &next})
				if err != nil {
					return err
				}
				return writeJSON(e.stdout, got)
			})
		}}
	}
	cmd.AddCommand(list, create, membership("add-member", "Add an agency to a community", true),
		membership("remove-member", "Remove an agency from a community", false))
	return cmd
}

func (e *env) agreementCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "agreement", Short: "What each agency may receive from a community, and why"}
	var asJSON, active bool
	list := &cobra.Command{Use: "list", Short: "List agreements", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			f := liaison.AgreementFilter{}
			if active {
				f.ActiveAt = time.Now()
			}
			items, err := all(func(p liaison.Page) ([]*liaison.Agreement, string, error) { return svc.ListAgreements(ctx, f, p) })
			if err != nil {
				return err
			}
			return e.table(asJSON, items, "AGENCY\tCOMMUNITY\tPII\tEXPIRES\tID", func(add func(...any)) {
				for _, a := range items {
					add(a.AgencyID, a.CommunityID, a.PIIAllowed, a.Expires.Format("2006-01-02"), a.ID)
				}
			})
		})
	}}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list.Flags().BoolVar(&active, "active", false, "only agreements in force now")

	var in liaison.AgreementInput
	var agency, expires string
	var purposes, recordKinds []string
	create := &cobra.Command{Use: "create", Short: "Record an agreement", RunE: func(c *cobra.Command, _ []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			id, err := agencyID(ctx, svc, agency)
			if err != nil {
				return err
			}
			in.AgencyID = id
			for _, p := range purposes {
				in.Purposes = append(in.Purposes, liaison.Purpose(p))
			}
			for _, k := range recordKinds {
				in.RecordKinds = append(in.RecordKinds, liaison.RecordKind(k))
			}
			if in.Expires, err = time.Parse("2006-01-02", expires); err != nil {
				return liaison.FieldErrorf("expires", "must be a date YYYY-MM-DD")
			}
			got, err := svc.CreateAgreement(ctx, in)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, got)
		})
	}}
	f := create.Flags()
	f.StringVar(&agency, "agency", "", "receiving agency id or code (required)")
	f.StringVar(&in.CommunityID, "community", "", "community id (required)")
	f.StringVar(&in.LegalBasis, "legal-basis", "", "statute, treaty or MOU that authorises the sharing (required)")
	f.StringSliceVar(&purposes, "purpose", nil, "purpose, repeatable: "+strings.Join(kinds(liaison.Purposes), ", "))
	f.StringSliceVar(&recordKinds, "kind", nil, "record kind, repeatable: "+strings.Join(kinds(liaison.RecordKinds), ", "))
	f.BoolVar(&in.PIIAllowed, "pii", false, "identifying personal data allowed")
	f.BoolVar(&in.InternationalRelease, "international", false, "release to international partners allowed")
	f.BoolVar(&in.PrivateRelease, "private", false, "release to private-sector partners allowed")
	f.StringVar(&expires, "expires", "", "expiry date YYYY-MM-DD (required)")

	end := &cobra.Command{Use: "end ID", Short: "End an agreement now", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			now := time.Now()
			got, err := svc.UpdateAgreement(ctx, args[0], liaison.AgreementUpdate{Expires: &now})
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, got)
		})
	}}
	cmd.AddCommand(list, create, end)
	return cmd
}

func (e *env) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "API tokens for scripts and partner systems"}
	var login, name string
	var scopes []string
	var ttl time.Duration
	create := &cobra.Command{Use: "create", Short: "Create a token for a user and print its secret (shown once)",
		RunE: func(c *cobra.Command, _ []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				u, err := svc.FindUser(ctx, login)
				if err != nil {
					return fmt.Errorf("user %q: %w", login, err)
				}
				in := liaison.TokenInput{UserID: u.ID, Name: name, TTL: ttl}
				for _, s := range scopes {
					in.Scopes = append(in.Scopes, liaison.Scope(s))
				}
				t, err := svc.CreateToken(ctx, in)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, t.Secret)
				fmt.Fprintf(e.stderr, "token %s for %s, scopes %s, expires %s\n", t.Token.ID, u.Login,
					strings.Join(kinds(t.Token.Scopes), ","), t.Token.Expires.Format(time.RFC3339))
				return nil
			})
		}}
	f := create.Flags()
	f.StringVar(&login, "user", "", "login of the token's user (required)")
	f.StringVar(&name, "name", "cli", "what the token is for")
	f.StringSliceVar(&scopes, "scope", []string{"read", "write"}, "scope, repeatable: read, write, admin")
	f.DurationVar(&ttl, "ttl", 90*24*time.Hour, "lifetime")

	var asJSON bool
	list := &cobra.Command{Use: "list LOGIN", Short: "List a user's tokens", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			items, err := all(func(p liaison.Page) ([]*liaison.APIToken, string, error) { return svc.ListTokens(ctx, args[0], p) })
			if err != nil {
				return err
			}
			return e.table(asJSON, items, "PREFIX\tNAME\tSCOPES\tEXPIRES\tREVOKED\tID", func(add func(...any)) {
				for _, t := range items {
					add(t.Prefix, t.Name, strings.Join(kinds(t.Scopes), ","), t.Expires.Format("2006-01-02"), t.Revoked != nil, t.ID)
				}
			})
		})
	}}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke a token", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		return e.withService(c, func(ctx context.Context, svc *service.Service) error {
			t, err := svc.RevokeToken(ctx, args[0])
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, t)
		})
	}}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
