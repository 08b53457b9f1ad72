package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const rootLong = `commentctl is the moderators' client of commentd.

It lists the comments held for moderation with the reasons they were held,
shows one in full, approves, rejects, marks as spam or deletes them one by
one or in bulk, reviews the queue one key press per comment, watches new
held comments arrive, and manages bans and word lists. Every action prints
one line per comment id with its outcome.

Text written by readers is printed with control and bidirectional
characters escaped (\x1b, \u202e), so a comment cannot rewrite your
terminal; -o json is lossless.

Configuration:
  --server   COMMENTCTL_SERVER   commentd's address (default 127.0.0.1:50051)
  --token    COMMENTCTL_TOKEN    your moderator token
A flag wins over the environment.

Exit status: 0 on success, 1 when the server refused or any id failed,
2 on usage errors.`

const rootExample = `  # The daily loop: what is waiting, then one key per comment.
  export COMMENTCTL_SERVER=commentd.internal:50051 COMMENTCTL_TOKEN=…
  commentctl queue
  commentctl review

  # Approve everything held on one article, in bulk.
  commentctl queue --article 2026/11/budget-session -o ids | commentctl approve - --note "budget thread"

  # Watch new held comments arrive.
  commentctl watch`

// Subcommands are listed in the order of a moderator's day. Cobra has that
// switch only for the whole process: set once, before any tree is built,
// so that trees built side by side (tests) share no write.
func init() { cobra.EnableCommandSorting = false }

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "commentctl",
		Short:         "Moderate commentd's comments from the terminal",
		Long:          rootLong,
		Example:       rootExample,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Checked before any command runs, so that a bad -o fails before
		// anything is changed.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := readEnv(cmd.Flags()); err != nil {
				return err
			}
			switch a.output {
			case outTable, outJSON, outIDs:
			default:
				return usageErrorf("-o must be table, json or ids, not %q", a.output)
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", "127.0.0.1:50051", "commentd's gRPC `address` (env COMMENTCTL_SERVER)")
	pf.StringVar(&a.token, "token", "", "moderator `token`, sent as authorization: Bearer (env COMMENTCTL_TOKEN, which ps does not show)")
	pf.BoolVar(&a.insecureToken, "insecure-token", false, "send the token over plaintext to a server that is not on this machine")
	pf.StringVar(&a.caCert, "cacert", "", "connect with TLS, verifying the server with this CA certificate `file` (PEM) (env COMMENTCTL_CACERT)")
	pf.StringVar(&a.cert, "cert", "", "client certificate `file` for mTLS, with --key (env COMMENTCTL_CERT)")
	pf.StringVar(&a.key, "key", "", "the client certificate's key `file` (env COMMENTCTL_KEY)")
	pf.StringVarP(&a.output, "output", "o", outTable, "output `format`: table, json (lossless) or ids (one a line, for pipes)")
	pf.DurationVar(&a.timeout, "timeout", 15*time.Second, "how long one call to commentd may take, retries included (env COMMENTCTL_TIMEOUT)")
	for _, name := range []string{"server", "token", "cacert", "cert", "key", "timeout"} {
		fromEnv(pf, name)
	}
	root.RegisterFlagCompletionFunc("output", fixedCompletions(outTable, outJSON, outIDs))

	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{msg: err.Error()}
	})
	root.AddGroup(
		&cobra.Group{ID: "comments", Title: "Comments:"},
		&cobra.Group{ID: "rules", Title: "Bans, word lists and authors' data:"},
	)
	for _, c := range []*cobra.Command{
		newQueueCmd(a), newShowCmd(a), newReviewCmd(a), newWatchCmd(a),
		newModerateCmd(a, approveAction), newModerateCmd(a, rejectAction),
		newModerateCmd(a, spamAction), newModerateCmd(a, deleteAction),
		newAuditCmd(a), newCheckCmd(a),
	} {
		c.GroupID = "comments"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newBanCmd(a), newWordsCmd(a), newRulesCmd(a), newAuthorCmd(a), newTrainCmd(a), newImportCmd(a), newBacktestCmd(a), newWebhooksCmd(a), newArticleCmd(a)} {
		c.GroupID = "rules"
		root.AddCommand(c)
	}
	return root
}

// envPrefix names commentctl's environment variables as commentd names
// its own: COMMENTCTL_ and the flag's name in capitals, dashes as
// underscores, such as COMMENTCTL_SITE_KEY for --site-key.
const envPrefix = "COMMENTCTL"

// envAnnotation marks the flags the environment may set. Only settings of
// a moderator's machine are; choices made per run (-o, --yes) are not.
const envAnnotation = "commentctl-env"

// fromEnv lets the environment set the flag name of fs.
func fromEnv(fs *pflag.FlagSet, name string) {
	if err := fs.SetAnnotation(name, envAnnotation, []string{"true"}); err != nil {
		panic(err) // a flag that does not exist: a bug
	}
}

// readsEnv reports whether the environment may set f.
func readsEnv(f *pflag.Flag) bool {
	_, ok := f.Annotations[envAnnotation]
	return ok
}

// readEnv gives each flag of fs that reads the environment and is not on
// the command line its value from there, through ff as commentd does: the
// same names, precedence and errors, empty values and unknown variables
// ignored. ff takes a standard FlagSet, so the flags are lent to one;
// pflag's values are flag.Values.
func readEnv(fs *pflag.FlagSet) error {
	std := flag.NewFlagSet("commentctl", flag.ContinueOnError)
	std.SetOutput(io.Discard)
	fs.VisitAll(func(f *pflag.Flag) {
		if readsEnv(f) && !f.Changed {
			std.Var(f.Value, f.Name, f.Usage)
		}
	})
	if err := ff.Parse(std, nil, ff.WithEnvVarPrefix(envPrefix)); err != nil {
		return usageErrorf("%v", err)
	}
	return nil
}

// run runs commentctl with args and returns its exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr)
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(a.stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	a.close()
	path := "commentctl"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return a.exitCode(path, err)
}

// runE makes f a command's RunE: its errors are failures (exit 1) unless
// they are usage errors.
func runE(f func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := f(cmd.Context(), cmd, args)
		var ue *usageError
		if err == nil || errors.As(err, &ue) || errors.Is(err, errReported) || errors.Is(err, context.Canceled) {
			return err
		}
		return &runError{err: err}
	}
}

func fixedCompletions(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// onlyOutputs refuses the -o formats a command has no use for.
func (a *app) onlyOutputs(cmd string, allowed ...string) error {
	for _, o := range allowed {
		if a.output == o {
			return nil
		}
	}
	return usageErrorf("%s does not support -o %s", cmd, a.output)
}
