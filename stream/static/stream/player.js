// The player page: starts a playback session, plays its signed playlist with hls.js, reports to the stream
// service (CMCD event mode to the session's reporting URL when it has one, else JSON metric updates), and ends
// the session when the page goes away.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("player-config").textContent);
  const video = document.getElementById("video");
  const statusLine = document.getElementById("player-status");
  const facts = document.getElementById("player-facts");
  const BUFFER_GOAL_S = 10;
  const csrfToken = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

  const state = {
    session: null, hls: null, sequence: 0, timer: null, ended: false, playRequestedAt: 0, startupMs: null,
    playerState: "starting", levelKbps: null, pathway: "", fragmentUrls: [],
  };
  window.player = state; // for the browser test and for curious developers

  function deviceId() {
    let id = window.localStorage.getItem("sp-device-id");
    if (!id) {
      id = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
      window.localStorage.setItem("sp-device-id", id);
    }
    return id;
  }

  function say(text) { statusLine.textContent = text; }

  function api(method, url, body, extra) {
    return fetch(url, Object.assign({
      method: method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken},
      body: body === undefined ? undefined : JSON.stringify(body),
    }, extra || {}));
  }

  function sessionUrl() { return config.sessionsUrl.replace(/\/?$/, "/") + state.session.id; }

  function videoKbps(level) {
    // The ladder's video bitrate of a level, found by its AVERAGE-BANDWIDTH.
    const rung = state.session.ladder.find(function (r) {
      return r.average_bandwidth === level.averageBitrate || r.bandwidth === level.bitrate;
    });
    return rung ? rung.bitrate_kbps : Math.max(1, Math.round(level.bitrate / 1000));
  }

  function bufferMs() {
    const t = video.currentTime;
    for (let i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= t + 0.1 && t <= video.buffered.end(i)) {
        return Math.round((video.buffered.end(i) - t) * 1000);
      }
    }
    return 0;
  }

  function metrics() {
    const body = {sequence: ++state.sequence, state: state.playerState, position_s: video.currentTime,
                  buffer_ms: bufferMs()};
    // No duration_s: the catalog's runtime is the title's; the development clip only stands in for it.
    if (state.levelKbps) body.bitrate_kbps = state.levelKbps;
    if (state.startupMs !== null) body.startup_time_ms = state.startupMs;
    if (state.hls && isFinite(state.hls.bandwidthEstimate)) {
      body.throughput_kbps = Math.round(state.hls.bandwidthEstimate / 1000);
    }
    if (video.getVideoPlaybackQuality) body.dropped_frames = video.getVideoPlaybackQuality().droppedVideoFrames;
    return body;
  }

  function report() {
    if (!state.session || state.ended || state.session.reporting_url) return;
    api("PUT", sessionUrl(), metrics()).then(function (response) {
      if (response.status === 409 || response.status === 404) stop("This session has ended.");
    }).catch(function () {});
  }

  function setState(next) {
    if (state.playerState === next) return;
    state.playerState = next;
    report();
    renderFacts();
  }

  function renderFacts() {
    if (!state.session) return;
    facts.textContent = [
      "session " + state.session.id.slice(0, 8) + "…",
      "state " + state.playerState,
      "CDN " + (state.pathway || state.session.cdn.name),
      state.levelKbps ? state.levelKbps + " kbps" : "",
      state.startupMs !== null ? "startup " + Math.round(state.startupMs) + " ms" : "",
      state.session.reporting_url ? "CMCD event mode" : "JSON updates",
    ].filter(Boolean).join(" · ");
  }

  function stop(message) {
    state.ended = true;
    clearInterval(state.timer);
    if (state.hls) state.hls.stopLoad();
    say(message);
  }

  function end() {
    if (!state.session || state.ended) return;
    if (state.session.end_url && navigator.sendBeacon) {
      // The signed end URL needs no token or CSRF header: the one request a closing page can count on.
      const last = state.session.reporting_url ? "" : JSON.stringify(metrics());
      state.ended = navigator.sendBeacon(state.session.end_url, last);
      if (state.ended) { clearInterval(state.timer); return; }
    }
    if (!state.session.reporting_url) {
      // One last update, so the history records where the viewer stopped.
      api("PUT", sessionUrl(), metrics(), {keepalive: true}).catch(function () {});
    }
    state.ended = true;
    clearInterval(state.timer);
    api("DELETE", sessionUrl(), undefined, {keepalive: true}).catch(function () {});
  }

  function cmcdConfig(session) {
    if (!session.reporting_url) return undefined;
    return {
      sessionId: session.id,
      contentId: "t" + config.title + (config.episode ? "e" + config.episode : ""),
      version: 2,
      eventTargets: [{url: session.reporting_url, events: ["ps", "br", "e", "t"],
                      interval: session.heartbeat_interval_s}],
    };
  }

  function play(session) {
    if (!window.Hls || !Hls.isSupported()) {
      say("This browser cannot play HLS with Media Source Extensions.");
      return;
    }
    // A short buffer goal (Shaka Player's default, hls.js's is 30 s): a steering decision or the end of delivery
    // takes effect within seconds, not after half a minute of media already fetched.
    const hls = new Hls({startPosition: session.resume_position_s || -1, maxBufferLength: BUFFER_GOAL_S,
                         maxMaxBufferLength: 3 * BUFFER_GOAL_S, cmcd: cmcdConfig(session)});
    state.hls = hls;
    hls.on(Hls.Events.LEVEL_SWITCHED, function (event, data) {
      state.levelKbps = videoKbps(hls.levels[data.level]);
      report();
      renderFacts();
    });
    hls.on(Hls.Events.FRAG_LOADING, function (event, data) {
      state.fragmentUrls.push(data.frag.url);
      if (state.fragmentUrls.length > 200) state.fragmentUrls.shift();
    });
    hls.on(Hls.Events.STEERING_MANIFEST_LOADED, function () {
      state.pathway = hls.pathwayPriority ? hls.pathwayPriority[0] : state.pathway;
      renderFacts();
    });
    hls.on(Hls.Events.ERROR, function (event, data) {
      if (!data.fatal) return;
      const gone = data.response && (data.response.code === 403 || data.response.code === 410);
      if (!state.session.reporting_url && !state.ended) {
        api("PUT", sessionUrl(), Object.assign(metrics(), {fatal_error: true, error_code: String(data.details)}));
      }
      stop(gone ? "Delivery refused: this session has ended." : "Playback failed: " + data.details);
    });
    const audioSelect = document.getElementById("audio-track");
    const subtitleSelect = document.getElementById("subtitle-track");
    function option(value, label) {
      const item = document.createElement("option");
      item.value = String(value);
      item.textContent = label;
      return item;
    }
    function showTracks() {
      audioSelect.replaceChildren.apply(audioSelect, hls.audioTracks.map(function (track, index) {
        return option(index, track.name + (track.lang ? " (" + track.lang + ")" : ""));
      }));
      audioSelect.value = String(hls.audioTrack);
      audioSelect.disabled = hls.audioTracks.length < 2;
      subtitleSelect.replaceChildren.apply(subtitleSelect, [option(-1, "Off")].concat(
        hls.subtitleTracks.map(function (track, index) {
          return option(index, track.name + (track.forced ? " (forced)" : ""));
        })));
      subtitleSelect.value = String(hls.subtitleTrack);
      subtitleSelect.disabled = hls.subtitleTracks.length === 0;
    }
    audioSelect.addEventListener("change", function () { hls.audioTrack = Number(audioSelect.value); });
    subtitleSelect.addEventListener("change", function () {
      hls.subtitleDisplay = true;
      hls.subtitleTrack = Number(subtitleSelect.value);
    });
    hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, showTracks);
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, showTracks);
    hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, showTracks);
    hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, showTracks);
    hls.loadSource(session.manifest_url);
    hls.attachMedia(video);
    state.playRequestedAt = performance.now();
    video.play().catch(function () { say("Press play to start."); });
    state.timer = setInterval(report, Math.max(2, session.heartbeat_interval_s) * 1000);
  }

  video.addEventListener("playing", function () {
    if (state.startupMs === null) state.startupMs = performance.now() - state.playRequestedAt;
    setState("playing");
    say("Playing.");
  });
  video.addEventListener("waiting", function () { if (state.startupMs !== null) setState("rebuffering"); });
  video.addEventListener("seeking", function () { if (state.startupMs !== null) setState("seeking"); });
  video.addEventListener("pause", function () { if (!video.ended) setState("paused"); });
  video.addEventListener("ended", function () { setState("ended"); });
  window.addEventListener("pagehide", end);

  function showActiveSessions(body) {
    say(body.detail);
    const list = document.getElementById("active-sessions");
    list.replaceChildren();
    (body.active_sessions || []).forEach(function (active) {
      const item = document.createElement("li");
      item.textContent = (active.title_name || ("title " + active.title)) + " on " + active.device_type + " ";
      const button = document.createElement("button");
      button.textContent = "End it";
      button.addEventListener("click", function () {
        api("DELETE", config.sessionsUrl.replace(/\/?$/, "/") + active.id).then(start);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function start() {
    say("Starting…");
    const hevc = Boolean(window.MediaSource && MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'));
    const body = {title: config.title, device: {type: config.deviceType, id: deviceId(), hevc: hevc,
                  max_resolution: Math.round(screen.width * devicePixelRatio) + "x" +
                                  Math.round(screen.height * devicePixelRatio)}};
    if (config.episode) body.episode = config.episode;
    api("POST", config.sessionsUrl, body).then(function (response) {
      return response.json().then(function (answer) { return {status: response.status, answer: answer}; });
    }).then(function (result) {
      if (result.status === 409) { showActiveSessions(result.answer); return; }
      if (result.status !== 201) { say(result.answer.detail || "Could not start: " + result.status); return; }
      document.getElementById("active-sessions").replaceChildren();
      state.session = result.answer;
      renderFacts();
      play(result.answer);
    }).catch(function (error) { say("Could not start: " + error); });
  }

  start();
})();
