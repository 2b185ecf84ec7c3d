// A small quiz app in the spirit of e-Samwad: a few questions, one screen each (hash routes through the history API),
// telemetry from the SDK: auto-captured page views, clicks, interrupts and errors, plus explicit ASSESS/RESPONSE.
(() => {
  var params = new URLSearchParams(location.search);
  var telemetry = Telemetry.createTelemetry({
    url: location.origin + '/v1/telemetry',
    channel: 'example-school',
    pdata: { id: 'example.quiz', ver: '1.0.0', pid: 'quiz.web' },
    env: 'quiz',
    object: { id: 'quiz-fractions', type: 'Content', ver: '1' },
    batchSize: Number(params.get('batch') || 20),
    flushIntervalMs: Number(params.get('interval') || 2000),
    debug: params.has('debug'),
    flushOnHide: !params.has('nohide'),
  });
  Telemetry.autocapture(telemetry, { pageviews: true, clicks: true, interrupts: true, errors: true });
  window.telemetry = telemetry;

  var QUESTIONS = [
    { id: 'q1', text: 'What is 1/2 + 1/4?', options: ['3/4', '2/6', '1/6'], answer: 0 },
    { id: 'q2', text: 'Which is larger: 2/3 or 3/5?', options: ['3/5', '2/3', 'They are equal'], answer: 1 },
    { id: 'q3', text: 'What is 3/4 of 8?', options: ['4', '6', '3'], answer: 1 },
  ];
  var app = document.getElementById('app');
  var score = 0;
  var shownAt = Date.now();

  function go(hash) {
    history.pushState(null, '', hash);
    render();
  }

  function button(label, id, onClick) {
    var b = document.createElement('button');
    b.textContent = label;
    b.setAttribute('data-telemetry-id', id);
    b.addEventListener('click', onClick);
    return b;
  }

  function render() {
    var route = location.hash.replace(/^#\/?/, '');
    app.innerHTML = '';
    var h = document.createElement('h1');
    app.appendChild(h);
    if (route === 'about') {
      h.textContent = 'About';
      app.appendChild(document.createTextNode('An example app for the Telemetry SDK.'));
      return;
    }
    var m = /^q\/(\d+)$/.exec(route);
    if (!m) {
      h.textContent = 'Fractions quiz';
      score = 0;
      app.appendChild(
        button('Start the quiz', 'start-quiz', () => {
          telemetry.start({ type: 'player', mode: 'play', pageid: 'home' });
          go('#/q/1');
        }),
      );
      return;
    }
    var n = Number(m[1]);
    var q = QUESTIONS[n - 1];
    if (!q) return result(h);
    h.textContent = 'Question ' + n + ' of ' + QUESTIONS.length;
    var p = document.createElement('p');
    p.textContent = q.text;
    app.appendChild(p);
    shownAt = Date.now();
    q.options.forEach((label, i) => {
      app.appendChild(
        button(label, q.id + '-option-' + i, (e) => {
          var right = i === q.answer;
          if (right) score++;
          e.target.className = right ? 'right' : 'wrong';
          var seconds = Math.round((Date.now() - shownAt) / 100) / 10;
          telemetry.response({
            target: { id: q.id, ver: '1', type: 'Question' },
            type: 'CHOOSE',
            values: [{ option: label }],
          });
          telemetry.assess({
            item: { id: q.id, title: q.text, maxscore: 1 },
            index: n,
            pass: right ? 'Yes' : 'No',
            score: right ? 1 : 0,
            resvalues: [{ answer: label }],
            duration: seconds,
          });
          setTimeout(() => {
            go('#/q/' + (n + 1));
          }, 150);
        }),
      );
    });
  }

  function result(h) {
    h.textContent = 'You scored ' + score + ' of ' + QUESTIONS.length;
    telemetry.end({ type: 'player', mode: 'play', pageid: 'result', summary: [{ score: score }] });
    [1, 2, 3, 4, 5].forEach((stars) => {
      app.appendChild(
        button(stars + '★', 'rate-' + stars, () => {
          telemetry.feedback({ rating: stars, comments: 'quiz rating' });
        }),
      );
    });
    app.appendChild(
      button('Try again', 'restart', () => {
        go('#/');
      }),
    );
  }

  window.addEventListener('popstate', render);
  render();
  setInterval(() => {
    var s = telemetry.stats();
    document.getElementById('status').textContent =
      'device ' +
      telemetry.did.slice(0, 8) +
      ' · session ' +
      telemetry.sid.slice(0, 8) +
      ' · queued ' +
      s.queued +
      ' · sent ' +
      s.sent +
      ' · evicted ' +
      s.evicted;
  }, 500);
})();
