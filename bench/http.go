package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
)

// The HTTP/JSON cases send what a ghz case sends, as a site's PHP code
// would: each request is the case's data template rendered as ghz renders
// it, POSTed as JSON to commentd's --http-listen by keep-alive HTTP/1.1
// clients, -concurrency of them, for -duration.

// httpFirstRequest is where an HTTP case's request numbers start, so that
// its readers (emails, texts, IPs) are not those of the gRPC case with the
// same template, which ran just before on the same store.
const httpFirstRequest = 1 << 23

// ghzConfig is the part of a ghz configuration an HTTP case reads.
type ghzConfig struct {
	Call     string `json:"call"`
	DataFile string `json:"data-file"`
}

// templateData is what ghz gives a data template.
type templateData struct {
	RequestNumber int64
	UUID          string
}

// templateFuncs are the sprig functions the data templates use.
var templateFuncs = template.FuncMap{
	"list": func(v ...any) []any { return v },
	"mod":  func(a, b int64) int64 { return a % b },
	"div":  func(a, b int64) int64 { return a / b },
	"add":  func(a, b int64) int64 { return a + b },
}

// runHTTP runs one case over HTTP/JSON against the commentd at addr and
// reports as ghz would.
func runHTTP(ctx context.Context, bc benchCase, addr string, o options) (report, error) {
	var cfg ghzConfig
	b, err := os.ReadFile(bc.config)
	if err == nil {
		err = json.Unmarshal(b, &cfg)
	}
	if err != nil {
		return report{}, fmt.Errorf("%s: %w", bc.config, err)
	}
	text, err := os.ReadFile(cfg.DataFile)
	if err != nil {
		return report{}, err
	}
	tmpl, err := template.New(cfg.DataFile).Funcs(templateFuncs).Parse(string(text))
	if err != nil {
		return report{}, fmt.Errorf("%s: %w", cfg.DataFile, err)
	}
	// "commentd.v1.CommentService.SubmitComment" is the path
	// /commentd.v1.CommentService/SubmitComment.
	i := strings.LastIndexByte(cfg.Call, '.')
	url := "http://" + addr + "/" + cfg.Call[:i] + "/" + cfg.Call[i+1:]

	tr := &http.Transport{MaxIdleConnsPerHost: o.concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 15 * time.Second}

	var (
		mu        sync.Mutex
		codeCount = map[string]int{}
		latencies []time.Duration
		next      = int64(httpFirstRequest)
		firstErr  error
	)
	cpu0 := selfCPU()
	start := time.Now()
	stop := start.Add(o.duration)
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Go(func() {
			var body bytes.Buffer
			for ctx.Err() == nil && (o.total > 0 || time.Now().Before(stop)) {
				mu.Lock()
				n := next
				next++
				mu.Unlock()
				if o.total > 0 && n >= httpFirstRequest+int64(o.total) {
					return
				}
				body.Reset()
				if err := tmpl.Execute(&body, templateData{RequestNumber: n, UUID: uuid.NewString()}); err != nil {
					mu.Lock()
					firstErr = firstOf(firstErr, err)
					mu.Unlock()
					return
				}
				t0 := time.Now()
				code, err := post(ctx, client, url, body.Bytes())
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					firstErr = firstOf(firstErr, err)
					code = codes.Unavailable.String()
				}
				codeCount[code]++
				latencies = append(latencies, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := report{Count: len(latencies), RPS: float64(len(latencies)) / elapsed.Seconds(), StatusCodes: codeCount, clientCPU: selfCPU() - cpu0}
	slices.Sort(latencies)
	for _, p := range []int{10, 25, 50, 75, 90, 95, 99} {
		if len(latencies) > 0 {
			r.Latency = append(r.Latency, struct {
				Percentage int           `json:"percentage"`
				Latency    time.Duration `json:"latency"`
			}{p, latencies[(len(latencies)-1)*p/100]})
		}
	}
	if r.Count == 0 {
		return r, fmt.Errorf("no calls made: %v", firstErr)
	}
	if firstErr != nil && codeCount[codes.Unavailable.String()] > 0 {
		return r, fmt.Errorf("HTTP: %w", firstErr)
	}
	return r, nil
}

// post sends one call and returns its code, named as ghz names gRPC codes.
func post(ctx context.Context, client *http.Client, url string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusOK {
		return codes.OK.String(), nil
	}
	var e struct {
		Code connect.Code `json:"code"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Code == 0 {
		return "", fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return codes.Code(e.Code).String(), nil
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// selfCPU is the CPU this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
