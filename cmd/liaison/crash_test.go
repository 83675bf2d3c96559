package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liaison"
	"liaison/postgres"
	"liaison/sqlite"
)

// crashChildEnv makes the test binary a `liaison serve` child: its value is
// the store (flags and environment) as JSON.
const crashChildEnv = "LIAISON_CRASH_CHILD"

// crashChild is the child's side: serve until killed.
func crashChild(t *testing.T, spec string) {
	var st struct {
		Flags []string
		Env   map[string]string
	}
	if err := json.Unmarshal([]byte(spec), &st); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, st.Flags...)
	err := run(context.Background(), args, func(k string) string { return st.Env[k] }, strings.NewReader(""), os.Stdout, os.Stderr)
	t.Fatalf("serve returned: %v", err)
}

// startChild starts a `serve` child on st and returns it and its base URL.
func startChild(t *testing.T, st store) (*exec.Cmd, string) {
	t.Helper()
	spec, _ := json.Marshal(struct {
		Flags []string
		Env   map[string]string
	}{st.flags, st.env})
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRetriesAreExactlyOnce$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(spec))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`serving on (http://[0-9.:]+)/`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case a := <-addr:
		return cmd, a
	case <-time.After(20 * time.Second):
		t.Fatalf("serve child did not start:\n%s", stderr.String())
		return nil, ""
	}
}

// kill ends a child with SIGKILL, as a crash would.
func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// openTestStore opens st's store in this process (the children are dead).
func openTestStore(t *testing.T, st store) liaison.Store {
	t.Helper()
	var s liaison.Store
	var err error
	flag := map[string]string{}
	for i := 0; i+1 < len(st.flags); i += 2 {
		flag[st.flags[i]] = st.flags[i+1]
	}
	if db := flag["--db"]; db != "" {
		s, err = postgres.Open(context.Background(), db, postgres.Options{Schema: st.env["LIAISON_DB_SCHEMA"]})
	} else {
		s, err = sqlite.Open(context.Background(), flag["--data"], sqlite.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type crashWrite struct {
	status int
	id     string
	err    error
}

// postCase opens a case titled after key, with key as its Idempotency-Key.
func postCase(client *http.Client, base, tok, key string) crashWrite {
	body := fmt.Sprintf(`{"title":"crash case %s"}`, key)
	req, _ := http.NewRequest("POST", base+"/api/v1/cases", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return crashWrite{err: err}
	}
	defer resp.Body.Close()
	var c struct{ ID string }
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return crashWrite{err: err}
	}
	_ = json.Unmarshal(b, &c)
	if resp.StatusCode != 201 {
		return crashWrite{status: resp.StatusCode, err: fmt.Errorf("%d %s", resp.StatusCode, b)}
	}
	return crashWrite{status: 201, id: c.ID}
}

// TestCrashRetriesAreExactlyOnce kills a `serve` child with SIGKILL while
// eight clients open cases with Idempotency-Keys, restarts it, retries every
// key sent, and checks each acknowledged case exists exactly once with the
// id first acknowledged, and every retried key made exactly one case. A
// retry after the restart must not be told the request is still running.
func TestCrashRetriesAreExactlyOnce(t *testing.T) {
	if spec := os.Getenv(crashChildEnv); spec != "" {
		crashChild(t, spec)
		return
	}
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			mustCLI(t, st, "admin", "agency", "create", "--code", "PD-CRASH", "--name", "Crash PD", "--kind", "local",
				"--contact-name", "Desk", "--contact-email", "desk@pd.example.gov")
			var u struct{ ID string }
			_ = json.Unmarshal([]byte(mustCLI(t, st, "admin", "user", "create", "--login", "o.crash", "--name", "Officer Crash",
				"--email", "crash@pd.example.gov", "--agency", "PD-CRASH", "--role", "officer", "--sworn")), &u)
			tok := strings.TrimSpace(mustCLI(t, st, "admin", "token", "create", "--user", "o.crash", "--scope", "write"))
			client := &http.Client{Timeout: 10 * time.Second}

			const rounds, workers = 3, 8
			acked := map[string]string{} // key -> id first acknowledged
			var sent []string
			for round := 0; round < rounds; round++ {
				cmd, base := startChild(t, st)
				var (
					mu     sync.Mutex
					n      atomic.Int64
					nAcked atomic.Int64
					stop   atomic.Bool
					wg     sync.WaitGroup
					errs   []string
				)
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for !stop.Load() {
							key := fmt.Sprintf("r%d-%d", round, n.Add(1))
							mu.Lock()
							sent = append(sent, key)
							mu.Unlock()
							res := postCase(client, base, tok, key)
							mu.Lock()
							switch {
							case res.status == 201:
								acked[key] = res.id
								nAcked.Add(1)
							case res.status != 0 && !stop.Load():
								errs = append(errs, key+": "+res.err.Error())
							}
							mu.Unlock()
						}
					}()
				}
				// Kill mid-stream: after some writes are acknowledged, with others in flight.
				for deadline := time.Now().Add(10 * time.Second); nAcked.Load() < 20 && time.Now().Before(deadline); {
					time.Sleep(5 * time.Millisecond)
				}
				stop.Store(true)
				kill(t, cmd)
				wg.Wait()
				if len(errs) > 0 {
					t.Fatalf("round %d: writes refused before the kill: %v", round, errs)
				}
			}

			// Restart and retry every key sent, acknowledged or not.
			cmd, base := startChild(t, st)
			for _, key := range sent {
				res := postCase(client, base, tok, key)
				if res.status != 201 {
					t.Fatalf("retry of %s after the restart = %v, want 201 (the first answer, or the case made now)", key, res.err)
				}
				if id, ok := acked[key]; ok && res.id != id {
					t.Errorf("retry of acknowledged %s = case %s, want the acknowledged case %s", key, res.id, id)
				}
			}
			kill(t, cmd)

			s := openTestStore(t, st)
			count := map[string]int{}
			ctx := context.Background()
			err := s.View(ctx, func(tx liaison.Tx) error {
				ids, err := tx.ListUserCases(ctx, u.ID)
				if err != nil {
					return err
				}
				for _, id := range ids {
					c, err := tx.FindCaseByID(ctx, id)
					if err != nil {
						return err
					}
					count[strings.TrimPrefix(c.Title, "crash case ")]++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range sent {
				if got := count[key]; got != 1 {
					t.Errorf("cases for key %s = %d, want exactly 1", key, got)
				}
			}
			if got, want := len(count), len(sent); got != want {
				t.Errorf("distinct cases = %d, want %d (one per key sent)", got, want)
			}
			if len(acked) == 0 {
				t.Fatal("no write was acknowledged before the kills: the test proved nothing")
			}
			t.Logf("%d keys sent, %d acknowledged before a kill, each exactly once", len(sent), len(acked))
		})
	}
}
