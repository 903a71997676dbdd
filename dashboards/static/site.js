// qcm static site: draw every chart from the JSON embedded beside it, and offer its
// data as CSV. Works from file:// with no server and makes no network request.
"use strict";

function chartPayload(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function csvCell(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

function downloadCsv(button) {
  const table = chartPayload(button.dataset.chart).csv;
  const lines = [table.columns.map(csvCell).join(",")];
  for (const row of table.rows) lines.push(row.map(csvCell).join(","));
  const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = button.dataset.name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// ---- the composite the reader re-weights (dashboards.page.Composite) -------------
// Each row of an approach is [iso3, family scores (null: family not used for it),
// published value, published score, rank, rank_low, rank_high, leader_probability].
// The composite is the weighted mean of the family scores over the families a row uses
// (weights divided by their sum over those families); the score is the value divided
// by the leading value. Every cell is written with textContent: data never becomes HTML.

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 10 && tens <= 20) return n + "th";
  return n + ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
}

function rankSpan(low, high) {
  if (low === null || high === null || low === undefined || high === undefined) return "-";
  return low === high ? ordinal(low) : ordinal(low) + " to " + ordinal(high);
}

function percent(share) {
  return share === null || share === undefined ? "-" : Math.round(share * 100) + "%";
}

function compositeValue(scores, weights) {
  let sum = 0;
  let total = 0;
  scores.forEach((score, i) => {
    if (score === null) return;
    sum += weights[i] * score;
    total += weights[i];
  });
  return total > 0 ? sum / total : null;
}

// The ranked rows of one approach: published numbers at the published weights, else
// recomputed as qcm ranks (assets/synthesis/bootstrap.py, ranks): scores equal to 12
// decimals share the better rank (1, 2, 2, 4) and are listed by ISO3, as the marts do,
// and a composite of 0 ranks last, shared by every 0.
const TIE_SCALE = 1e12;
const tied = (a, b) => Math.round(a * TIE_SCALE) === Math.round(b * TIE_SCALE);
const isZero = (value) => tied(value, 0);

function rankApproach(approach, weights, published) {
  const entries = approach.rows
    .map((row) => ({
      row: row,
      value: published ? row[2] : compositeValue(row[1], weights),
    }))
    .filter((e) => e.value !== null);
  entries.sort((a, b) => b.value - a.value || (a.row[0] < b.row[0] ? -1 : 1));
  const top = entries.length ? entries[0].value : null;
  entries.forEach((e, i) => {
    if (published) {
      e.rank = e.row[4];
      e.score = e.row[3];
    } else {
      if (isZero(e.value)) {
        e.rank = entries.length;
      } else {
        e.rank = i > 0 && tied(e.value, entries[i - 1].value) ? entries[i - 1].rank : i + 1;
      }
      e.score = top > 0 ? e.value / top : null;
    }
  });
  return entries;
}

function fillRows(tbody, rows) {
  tbody.replaceChildren();
  for (const cells of rows) {
    const tr = document.createElement("tr");
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
}

function setupComposite(box) {
  const payload = chartPayload(box.dataset.composite);
  const inputs = [...box.querySelectorAll("input[type=range]")];
  const menu = box.querySelector("select[data-role=approach]");
  const status = box.querySelector(".composite-status");
  const publishedText = status.textContent;
  const tbody = box.querySelector("table.composite-table tbody");
  const names = payload.names;

  function render() {
    const weights = inputs.map((input) => Number(input.value));
    const published = inputs.every(
      (input) => Math.abs(Number(input.value) - Number(input.dataset.published)) < 1e-9
    );
    const total = weights.reduce((a, b) => a + b, 0);
    inputs.forEach((input, i) => {
      const label = input.closest("label");
      label.querySelector("output").textContent = String(weights[i]);
      label.querySelector(".share").textContent = total > 0 ? percent(weights[i] / total) : "-";
    });
    status.textContent = published ? publishedText : status.dataset.custom;
    const rows = [];
    if (box.dataset.mode === "country") {
      for (const approach of payload.approaches) {
        const ranked = rankApproach(approach, weights, published);
        const mine = ranked.find((e) => e.row[0] === payload.country);
        rows.push([
          approach.label,
          mine ? String(mine.rank) : "-",
          String(ranked.length),
          mine && mine.score !== null ? mine.score.toFixed(2) : "-",
          mine && published ? rankSpan(mine.row[5], mine.row[6]) : "-",
          ranked.length ? names[ranked[0].row[0]] : "-",
        ]);
      }
    } else {
      const chosen = menu ? menu.value : payload.approaches[0].id;
      const approach = payload.approaches.find((a) => a.id === chosen) || payload.approaches[0];
      const ranked = rankApproach(approach, weights, published);
      // the reader's weights can leave countries at 0 (nothing in any family they weigh):
      // they share the last rank and are counted, not listed among the leaders
      const zeros = ranked.filter((e) => !published && isZero(e.value));
      for (const e of ranked.filter((e) => !zeros.includes(e)).slice(0, payload.top)) {
        const moved = e.rank - e.row[4];
        rows.push([
          String(e.rank),
          names[e.row[0]],
          e.score === null ? "-" : e.score.toFixed(2),
          published ? rankSpan(e.row[5], e.row[6]) : "-",
          published ? percent(e.row[7]) : "-",
          published || moved === 0 ? "" : (moved < 0 ? "up " : "down ") + Math.abs(moved),
        ]);
      }
      if (zeros.length && rows.length < payload.top) {
        rows.push([
          `${zeros.length} ${zeros.length === 1 ? "country scores" : "countries score"} 0 ` +
            `with these weights (nothing in any family they weigh): ranked last ` +
            `(${zeros[0].rank} of ${ranked.length}), not listed.`,
        ]);
      }
    }
    if (!rows.length) rows.push(["Every family with data has the weight 0: nothing to rank."]);
    fillRows(tbody, rows);
  }

  for (const input of inputs) input.addEventListener("input", render);
  if (menu) menu.addEventListener("change", render);
  box.querySelector("button.reset").addEventListener("click", () => {
    for (const input of inputs) input.value = input.dataset.published;
    render();
  });
  render();
}

// A chart's image is the chart drawn again: with its title, though a narrow screen moved it
// above the chart (at the width the title needs), and a sample chart's with the label its
// caption gives on the page across it (an image saved from the page loses the caption).
const SAMPLE_LABEL = {
  text: "SYNTHETIC SAMPLE DATA: do not cite",
  xref: "paper",
  yref: "paper",
  x: 0.5,
  y: 0.5,
  showarrow: false,
  textangle: -15,
  opacity: 0.3,
  font: { size: 26, color: "#b00020" },
};

function downloadChartImage(div, payload) {
  const layout = structuredClone(div.layout);
  let width = div.offsetWidth;
  const moved = TITLES_MOVED.get(div);
  if (moved) {
    layout.title = { ...layout.title, text: moved.title };
    width = Math.max(width, Math.ceil(moved.titleWidth));
  }
  if (payload.sample) layout.annotations = (layout.annotations || []).concat([SAMPLE_LABEL]);
  return Plotly.downloadImage(
    { data: div.data, layout: layout },
    { format: "png", filename: payload.file_stem, width: width, height: div.offsetHeight },
  );
}

function chartConfig(div, payload) {
  return {
    responsive: true,
    displaylogo: false,
    // sharing posts the chart to a server (sendChartToCloud since plotly.js 4): none here;
    // the box and lasso selections select nothing here and a keyboard cannot use them;
    // Plotly's own image is of the chart as drawn (downloadChartImage)
    modeBarButtonsToRemove: [
      "sendDataToCloud", "sendChartToCloud", "select2d", "lasso2d", "toImage",
    ],
    modeBarButtonsToAdd: [
      {
        name: payload.sample
          ? "Download plot as a png (labelled synthetic sample data)"
          : "Download plot as a png",
        icon: Plotly.Icons.camera,
        click: () => downloadChartImage(div, payload),
      },
    ],
  };
}

// ---- a chart's data as a table, made when the reader opens it (for screen readers
// and keyboards, which Plotly's drawing serves poorly); cells written as text ---------
const TABLE_ROWS = 500;

function fillDataTable(details) {
  if (details.querySelector("table")) return;
  const data = chartPayload(details.dataset.chart).csv;
  const box = document.createElement("div");
  box.className = "table-scroll";
  box.setAttribute("role", "region");
  box.tabIndex = 0;
  const name = details.closest("figure").getAttribute("aria-label") || "The chart's data";
  box.setAttribute("aria-label", name);
  const table = document.createElement("table");
  table.createCaption().textContent = name;
  const head = table.createTHead().insertRow();
  for (const column of data.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = column;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of data.rows.slice(0, TABLE_ROWS)) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell === null ? "" : String(cell);
  }
  box.appendChild(table);
  details.appendChild(box);
  if (data.rows.length > TABLE_ROWS) {
    const note = document.createElement("p");
    note.textContent =
      `The first ${TABLE_ROWS} of ${data.rows.length} rows: the CSV holds them all.`;
    details.appendChild(note);
  }
}

// ---- a chart's own menus as native selects, for keyboards (Plotly draws its menus, which
// take no focus); shown when focused, kept in step with the drawn menu ---------------
function plainText(markup) {
  return new DOMParser().parseFromString(markup, "text/html").documentElement.textContent;
}

// a chart title's words as text, its line breaks spaces
function titleText(markup) {
  return plainText(markup.replace(/<br\s*\/?>/g, " ")).replace(/\s+/g, " ").trim();
}

// a select of ``choices`` ([value, text] pairs), ``chosen`` selected
function selectOf(choices, chosen) {
  const select = document.createElement("select");
  for (const [value, text] of choices) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = text;
    select.appendChild(option);
  }
  select.value = chosen;
  return select;
}

// the figure's name, from its title as drawn now (a menu may change the title)
function nameFigure(div) {
  const name = titleText((div.layout.title && div.layout.title.text) || "");
  const figure = div.closest("figure");
  if (!name || !figure) return;
  figure.setAttribute("aria-label", name);
  const caption = figure.querySelector("details.data-table caption");
  if (caption) caption.textContent = name;
  for (const select of figure.querySelectorAll("label.chart-views select")) {
    select.setAttribute("aria-label", `View of the chart: ${name}`);
  }
  for (const select of figure.querySelectorAll(".chart-years select")) {
    select.setAttribute("aria-label", `Years shown ${select.dataset.end}: ${name}`);
  }
}

// methods of a drawn menu's buttons a select can apply (the ones qcm's figures use)
const MENU_METHODS = ["update", "restyle", "relayout"];

function addMenuSelects(div, menus) {
  menus.forEach((menu, index) => {
    if (!menu.buttons || !menu.buttons.every((b) => MENU_METHODS.includes(b.method))) return;
    const label = document.createElement("label");
    label.className = "chart-views";
    label.append("View of the chart below ");
    const choices = menu.buttons.map((button, position) => [
      String(position),
      plainText(button.label),
    ]);
    const select = selectOf(choices, String(menu.active || 0));
    const named = div.closest("figure").getAttribute("aria-label");
    if (named) select.setAttribute("aria-label", `View of the chart: ${named}`);
    select.addEventListener("change", () => {
      const button = menu.buttons[Number(select.value)];
      Plotly[button.method](div, ...button.args);
      Plotly.relayout(div, { [`updatemenus[${index}].active`]: Number(select.value) });
    });
    div.on("plotly_buttonclicked", (event) => {
      if (event.menu._index === index) select.value = String(event.active);
    });
    label.appendChild(select);
    div.before(label);
    if (!MENU_SELECTS.has(div)) MENU_SELECTS.set(div, new Map());
    MENU_SELECTS.get(div).set(index, label);
  });
}

// ---- a chart's title wider than the chart (a phone's screen) is shown above it as text,
// which wraps, instead of cut at the edge; back in the chart when the width allows -------
const TITLES_MOVED = new WeakMap();
const TITLE_SPACE = 24; // pixels each side of a title in a chart's image

function fitTitle(div) {
  const drawn = (div.layout.title && div.layout.title.text) || "";
  const moved = TITLES_MOVED.get(div);
  if (drawn) {
    // a title as the figure draws it (or as a menu's view set it)
    const node = div.querySelector(".gtitle");
    const box = node ? node.getBoundingClientRect() : { right: 0, width: 0 };
    const right = box.right;
    if (right <= shownRight(div)) {
      if (moved) moved.text.remove();
      TITLES_MOVED.delete(div);
      return;
    }
    const text = moved ? moved.text : document.createElement("p");
    text.className = "chart-title";
    text.setAttribute("aria-hidden", "true"); // the figure is named by its title already
    text.textContent = titleText(drawn);
    // above the selects a narrow screen shows for the chart's menus, as the title is above
    // its menus in the chart
    let first = div;
    while (first.previousElementSibling && first.previousElementSibling.matches(".chart-views")) {
      first = first.previousElementSibling;
    }
    first.before(text);
    const width = right - div.getBoundingClientRect().left;
    // an image of the chart is drawn wide enough for the whole title (downloadChartImage)
    const titleWidth = box.width + 2 * TITLE_SPACE;
    TITLES_MOVED.set(div, { title: drawn, width, titleWidth, text });
    Plotly.relayout(div, { "title.text": "" });
  } else if (moved && moved.width <= shownRight(div) - div.getBoundingClientRect().left) {
    moved.text.remove();
    TITLES_MOVED.delete(div);
    Plotly.relayout(div, { "title.text": moved.title });
  }
}

// ---- a narrow screen squeezes a chart between its row labels and what sits beside the plot
// (a legend, a colour scale), and cuts what is wider than it at its edges. narrow() fits
// a chart, in this order: a legend at its right goes below it when the plot is left less
// than PLOT_SHARE of the chart's width, and legend entries past its right edge are wrapped
// onto lines of words; a vertical colour scale of a plot so squeezed is made slimmer, its
// title along it; slanted column labels past its edges are set vertical; row labels cut at
// its left edge, or squeezing the plot, are wrapped to take at most LABEL_SHARE of its
// width (on half as many characters if still cut); a drawn menu past its edges is hidden
// and its select (addMenuSelects: a menu whose buttons use MENU_METHODS, as all of qcm's
// do) shown above the chart instead; axis titles past its box are wrapped; an annotation
// past its edges, if narrower than the plot, is set at that edge of the plot. The chart is
// made taller when its rows or the legend below need the room (a hover names its row or
// line as the label does, on lines). Undone, and done again as needed, when the width
// changes or a menu redraws the chart.
// a chart -> what undoes what narrow() did: a layout, restyles of its traces, the selects
// shown, and the height it had if made taller
const NARROWED = new WeakMap();
const FITTING = new WeakMap(); // a chart -> its last fitting, which the next one waits for
const MENU_SELECTS = new WeakMap(); // a chart -> its drawn menus' selects, by menu index
const PLOT_SHARE = 0.5;
const LABEL_SHARE = 0.4;
const LABEL_LINE_PX = 15; // the height of a line of a label
const FEWEST_CHARS = 8; // a wrapped line's least room, in characters

// a text's words on lines of at most ``chars`` characters (a longer word alone on its own)
function wordLines(text, chars) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && (line + " " + word).length > chars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? line + " " + word : word;
    }
  }
  lines.push(line);
  return lines;
}

// a plain text as Plotly's labels take it (they read HTML entities and a few tags)
function labelMarkup(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// whether an element of the drawing runs past the chart ``box`` at its left or right
function pastSides(element, box) {
  const own = element.getBoundingClientRect();
  return own.width > 0 && (own.left < box.left - 1 || own.right > box.right + 1);
}

// whether the chart's plot is left less than PLOT_SHARE of its width
function squeezed(div) {
  const full = div._fullLayout;
  return full._size.w < full.width * PLOT_SHARE;
}

// ``back`` gets the figure's own value of a layout key (null: Plotly's default), unless it
// holds one already: a second pass over the same key must not record the first's
function keepOwn(back, key, own) {
  if (!(key in back)) back[key] = own ?? null;
}

// the figure's own value of ``attr`` (a restyle key: "colorbar.thickness") in trace ``i``
function traceValue(div, i, attr) {
  return attr.split(".").reduce((value, key) => (value == null ? null : value[key]), div.data[i]);
}

// a restyle of traces ``indices`` to ``update`` (a value per trace for each key) and the
// one that undoes it, added to ``restyles``
async function restyleTraces(div, update, indices, restyles) {
  const back = {};
  for (const attr of Object.keys(update)) {
    back[attr] = indices.map((i) => traceValue(div, i, attr) ?? null);
  }
  restyles.unshift([back, indices]); // undone last first
  await Plotly.restyle(div, update, indices);
}

// the layout that puts a legend at the chart's right below it, when the plot is squeezed;
// what undoes it is added to ``back``
function legendBelow(div, back) {
  const full = div._fullLayout;
  const legend = full.legend;
  if (!full.showlegend || !legend || legend.orientation !== "v" || legend.x < 1) return {};
  if (!squeezed(div)) return {};
  const update = {
    "legend.orientation": "h",
    "legend.x": 0,
    "legend.xanchor": "left",
    "legend.y": 0,
    "legend.yanchor": "bottom",
    "legend.yref": "container",
  };
  const own = div.layout.legend || {};
  for (const key of Object.keys(update)) keepOwn(back, key, own[key.slice("legend.".length)]);
  return update;
}

// the traces whose legend entry runs past the chart's right edge, their names wrapped onto
// lines that fit it: [update, indices], or null when every entry fits
function wrappedNames(div) {
  const box = div.getBoundingClientRect();
  const update = { name: [] };
  const indices = [];
  for (const entry of div.querySelectorAll(".legend .traces")) {
    const text = entry.querySelector("text.legendtext");
    const trace = entry.__data__ && entry.__data__[0] && entry.__data__[0].trace;
    const past = entry.getBoundingClientRect().right > box.right + 1; // it starts inside
    if (!text || !trace || !past || indices.includes(trace.index)) continue;
    const own = text.getBoundingClientRect();
    const name = plainText(String(trace.name));
    const room = box.right - own.left - 4;
    const chars = Math.max(FEWEST_CHARS, Math.floor((name.length * room) / own.width));
    indices.push(trace.index);
    update.name.push(wordLines(name, chars).map(labelMarkup).join("<br>"));
  }
  return indices.length ? [update, indices] : null;
}

// the traces showing a vertical colour scale beside a plot left less than PLOT_SHARE of the
// chart's width, their scales made slimmer with the title along them: [update, indices],
// or null
function slimColourScales(div) {
  if (!squeezed(div) || !div.querySelector(".colorbar")) return null;
  const indices = div._fullData
    .filter((trace) => trace.showscale && trace.colorbar && trace.colorbar.orientation === "v")
    .map((trace) => trace.index);
  if (!indices.length) return null;
  const each = (value) => indices.map(() => value);
  const update = {
    "colorbar.thickness": each(10),
    "colorbar.xpad": each(4),
    "colorbar.title.side": each("right"),
    "colorbar.title.font.size": each(12),
  };
  return [update, indices];
}

// the layout that hides each drawn menu running past the chart's edges, its select shown
// above the chart instead (added to ``shown``); what undoes it is added to ``back``
function menusAsSelects(div, back, shown) {
  const box = div.getBoundingClientRect();
  const selects = MENU_SELECTS.get(div) || new Map();
  const update = {};
  for (const group of div.querySelectorAll(".updatemenu-header-group")) {
    const index = group.__data__ && group.__data__._index;
    const label = selects.get(index);
    if (!label || !pastSides(group, box)) continue;
    const key = `updatemenus[${index}].visible`;
    update[key] = false;
    keepOwn(back, key, ((div.layout.updatemenus || [])[index] || {}).visible);
    shown.push(label);
  }
  return update;
}

// the layout that sets each annotation running past the chart's left or right edge at that
// edge of the plot instead (a label at the top of a grey span of years near the end, say;
// set on the plot's width, it leaves the axis's range alone); what undoes it is added to
// ``back``
function annotationsInside(div, back) {
  const box = div.getBoundingClientRect();
  const update = {};
  for (const group of div.querySelectorAll("g.annotation[data-index]")) {
    const own = group.getBoundingClientRect();
    if (!pastSides(group, box) || own.width > div._fullLayout._size.w) continue;
    const index = Number(group.dataset.index);
    const right = own.right > box.right + 1;
    const place = { xref: "paper", x: right ? 1 : 0, xanchor: right ? "right" : "left" };
    const annotation = (div.layout.annotations || [])[index] || {};
    for (const [key, value] of Object.entries(place)) {
      keepOwn(back, `annotations[${index}].${key}`, annotation[key]);
      update[`annotations[${index}].${key}`] = value;
    }
  }
  return update;
}

const SLANTED = /rotate\((?!0[,)])/; // a label's transform that turns it

// the layout that sets slanted column labels vertical when they run past the chart's edges
// (slanted, a long label reaches out sideways); what undoes it is added to ``back``
function verticalLabels(div, back) {
  const box = div.getBoundingClientRect();
  const update = {};
  for (const [name, axis] of Object.entries(div._fullLayout)) {
    if (!/^xaxis\d*$/.test(name)) continue;
    const labels = [...div.querySelectorAll(`.${axis._id}tick text`)];
    const slanted = labels.some((label) => SLANTED.test(label.getAttribute("transform") || ""));
    if (!slanted || !labels.some((label) => pastSides(label, box))) continue;
    update[`${name}.tickangle`] = -90;
    keepOwn(back, `${name}.tickangle`, (div.layout[name] || {}).tickangle);
  }
  return update;
}

// the layout that wraps the labels of each category axis of rows that need it
// (``rowsToWrap``: cut at the chart's left edge, or squeezing the plot) onto lines of at most
// ``most`` characters, and makes the chart as much taller as its rows need: ``update``;
// what undoes it is added to ``back``; ``chars`` the line length it wrapped to (the last
// axis's)
function wrappedLabels(div, back, most = Infinity) {
  const chart = div.getBoundingClientRect();
  const update = {};
  let taller = 0;
  let chars = most;
  for (const [name, axis, labels] of rowLabels(div)) {
    if (!rowsToWrap(div, labels)) continue;
    const widest = Math.max(...labels.map((label) => label.getBoundingClientRect().width));
    const longest = Math.max(...labels.map((label) => label.textContent.length));
    const fit = Math.floor((chart.width * LABEL_SHARE * longest) / widest);
    chars = Math.max(FEWEST_CHARS, Math.min(most, fit));
    const categories = axis._categories.slice();
    const wrapped = categories.map((c) => wordLines(plainText(String(c)), chars));
    const lines = Math.max(...wrapped.map((w) => w.length));
    const row = axis._length / Math.max(1, categories.length);
    taller = Math.max(taller, categories.length * (lines * LABEL_LINE_PX - row));
    update[`${name}.tickmode`] = "array";
    update[`${name}.tickvals`] = categories;
    update[`${name}.ticktext`] = wrapped.map((w) => w.map(labelMarkup).join("<br>"));
    const own = div.layout[name] || {};
    for (const key of ["tickmode", "tickvals", "ticktext"]) {
      keepOwn(back, `${name}.${key}`, own[key]);
    }
  }
  if (taller > 0) update.height = Math.ceil(div._fullLayout.height + taller);
  return { update, chars };
}

// the layout that wraps each axis title that runs past the chart's box onto lines of words
// that fit it (a horizontal title centred on the plot, a vertical one along it); what
// undoes it is added to ``back``
function wrappedTitles(div, back) {
  const chart = div.getBoundingClientRect();
  const update = {};
  for (const [name, axis] of Object.entries(div._fullLayout)) {
    if (!/^[xy]axis\d*$/.test(name) || !axis.title || !axis.title.text) continue;
    const node = div.querySelector(`.g-${axis._id}title text`);
    if (!node) continue;
    const box = node.getBoundingClientRect();
    let room;
    if (name.startsWith("x")) {
      const centre = (box.left + box.right) / 2;
      if (!pastSides(node, chart)) continue;
      room = 2 * Math.min(centre - chart.left, chart.right - centre);
    } else {
      if (box.top >= chart.top - 1 && box.bottom <= chart.bottom + 1) continue;
      room = axis._length;
    }
    const text = plainText(axis.title.text);
    const long = name.startsWith("x") ? box.width : box.height;
    // a vertical title on two lines at most: each more takes the plot's width
    const fewest = name.startsWith("x") ? FEWEST_CHARS : Math.ceil(text.length / 2);
    const chars = Math.max(fewest, Math.floor((text.length * room * 0.95) / long));
    update[`${name}.title.text`] = wordLines(text, chars).map(labelMarkup).join("<br>");
    keepOwn(back, `${name}.title.text`, ((div.layout[name] || {}).title || {}).text);
  }
  return update;
}

// a chart's height: its box's, which Plotly reads when it fits the chart to a new width
// (forgetting the figure's own), and the drawing's; none: Plotly's default
function setHeight(div, height) {
  div.style.height = height ? `${height}px` : "";
  return Plotly.relayout(div, { height: height || null, autosize: true });
}

// a layout ``update`` applied, unless empty
async function relayoutSome(div, update) {
  if (Object.keys(update).length) await Plotly.relayout(div, update);
}

// the row labels of each category axis of rows (a y axis), by the axis's layout name
function rowLabels(div) {
  return Object.entries(div._fullLayout)
    .filter(([name, axis]) => /^yaxis\d*$/.test(name) && axis.type === "category")
    .map(([name, axis]) => [name, axis, [...div.querySelectorAll(`.${axis._id}tick text`)]]);
}

// whether the row labels of a category axis (``labels``) need wrapping: one is cut at the
// chart's left edge, or the plot is squeezed while the widest takes over LABEL_SHARE of
// the chart's width
function rowsToWrap(div, labels) {
  const chart = div.getBoundingClientRect();
  const boxes = labels.map((label) => label.getBoundingClientRect());
  if (boxes.some((box) => box.left < chart.left - 1)) return true;
  return squeezed(div) && boxes.some((box) => box.width > chart.width * LABEL_SHARE);
}

// whether the row labels of any axis of the chart need wrapping (``rowsToWrap``)
function rowsNeedWrapping(div) {
  return rowLabels(div).some(([, , labels]) => rowsToWrap(div, labels));
}

// a heatmap's columns narrower than HEATMAP_COLUMN px (its cells' numbers unreadable, on a
// phone's screen) make the chart wider than its box, which then scrolls sideways
const HEATMAP_COLUMN = 26;

// the width at which the chart's heatmaps get HEATMAP_COLUMN px a column, the rest of the
// chart as it is; 0 when they have that already (or the chart has no heatmap)
function readableHeatmapWidth(div) {
  const columns = div._fullData
    .filter((trace) => trace.type === "heatmap" && Array.isArray(trace.x))
    .map((trace) => trace.x.length);
  if (!columns.length) return 0;
  const full = div._fullLayout;
  const needed = Math.max(...columns) * HEATMAP_COLUMN;
  return full._size.w >= needed ? 0 : Math.ceil(full.width + needed - full._size.w);
}

// the right edge of what the reader sees of a chart: its own, or its box's where the box
// scrolls a chart wider than itself (readableHeatmapWidth)
function shownRight(div) {
  const right = div.getBoundingClientRect().right;
  const box = div.parentElement;
  if (!box.classList.contains("scrolls")) return right;
  const edge = box.getBoundingClientRect().right - parseFloat(getComputedStyle(box).paddingRight);
  return Math.min(right, edge);
}

// a chart drawn at least ``width`` px wide in a box that scrolls sideways; none (0): as wide
// as its box, which does not scroll
function setMinWidth(div, width) {
  div.style.minWidth = width ? `${width}px` : "";
  div.parentElement.classList.toggle("scrolls", Boolean(width));
  return Plotly.Plots.resize(div);
}

async function narrow(div) {
  const undo = NARROWED.get(div);
  if (undo) {
    NARROWED.delete(div);
    if (undo.minWidth) await setMinWidth(div, 0);
    if (undo.height) await setHeight(div, undo.height);
    for (const [update, indices] of undo.restyles) await Plotly.restyle(div, update, indices);
    await Plotly.relayout(div, undo.layout);
  }
  // what this fitting changes is recorded as it goes, so that a fitting that fails halfway
  // is undone by the next one all the same
  const done = { layout: {}, restyles: [], shown: [], height: null, minWidth: false };
  const back = done.layout;
  NARROWED.set(div, done);
  const drawn = div._fullLayout.height; // put back when the chart is made taller
  const grow = async (by) => {
    done.height = drawn;
    await setHeight(div, Math.ceil(div._fullLayout.height + by));
  };
  try {
    // the legend first, its entries wrapped to the width, and the chart made as much taller
    // as they take from the plot: the room the legend leaves at the right may hold labels
    const plot = div._fullLayout._size.h;
    await relayoutSome(div, legendBelow(div, back));
    const names = wrappedNames(div);
    if (names) await restyleTraces(div, ...names, done.restyles);
    const lost = plot - div._fullLayout._size.h;
    if (lost > 0) await grow(lost);
    const scales = slimColourScales(div);
    if (scales) await restyleTraces(div, ...scales, done.restyles);
    await relayoutSome(div, verticalLabels(div, back));
    // row labels that still need it after a first wrapping (rowsToWrap) are wrapped again,
    // on half as many characters
    let most = Infinity;
    for (let pass = 0; pass < 2 && rowsNeedWrapping(div); pass += 1) {
      const { update, chars } = wrappedLabels(div, back, most);
      const { height, ...labels } = update;
      if (height) await grow(height - div._fullLayout.height);
      await relayoutSome(div, labels);
      if (!Object.keys(labels).length || chars <= FEWEST_CHARS) break;
      most = Math.max(FEWEST_CHARS, Math.floor(chars / 2));
    }
    // the menus where the margins now leave them, then the axes' titles in the room the
    // labels left, then the notes
    await relayoutSome(div, menusAsSelects(div, back, done.shown));
    await relayoutSome(div, wrappedTitles(div, back));
    await relayoutSome(div, annotationsInside(div, back));
    // last, a heatmap's columns too narrow to read: the chart made wider, its box scrolling
    // (a second pass for what Plotly's margins took of the first)
    const rows = div._fullLayout._size.h;
    for (let pass = 0, wider = readableHeatmapWidth(div); wider && pass < 2; pass += 1) {
      done.minWidth = true;
      await setMinWidth(div, wider);
      wider = readableHeatmapWidth(div);
    }
    if (done.minWidth) {
      // the column labels Plotly now has room to show all take height from the rows
      const taken = rows - div._fullLayout._size.h;
      if (taken > 0) await grow(taken);
      fitTitle(div); // the title, fitted to the chart's box, to what the box shows of it
    }
  } finally {
    // a select shown stays shown through the undo and redo of a fitting its own change set
    // off (it has the reader's focus); one no longer needed goes back out of sight
    for (const label of (undo && undo.shown) || []) {
      if (!done.shown.includes(label)) label.classList.remove("shown");
    }
    for (const label of done.shown) label.classList.add("shown");
    if (!done.height && !done.minWidth && !Object.keys(back).length && !done.restyles.length) {
      NARROWED.delete(div);
    }
  }
}

// one fitting of a chart at a time: each undoes the last one's changes before its own; the
// chart carries ``data-fitting`` until the last one ends (what the browser tests wait for)
function fitToWidth(div) {
  div.dataset.fitting = "";
  const fitting = (FITTING.get(div) || Promise.resolve())
    .then(() => narrow(div))
    .catch((error) => console.error(`chart ${div.id}: ${error}`))
    .finally(() => {
      if (FITTING.get(div) === fitting) delete div.dataset.fitting;
    });
  FITTING.set(div, fitting);
}

// the years a drawn range [low, high] shows: the nearest year to each end, in order
function yearsWithin(years, range) {
  const nearest = (x) =>
    years.reduce((best, year) => (Math.abs(year - x) < Math.abs(best - x) ? year : best));
  const [low, high] = [nearest(range[0] + 0.5), nearest(range[1] - 0.5)];
  return low <= high ? [low, high] : [high, low];
}

// a range slider's years, chosen from the keyboard: two selects before the chart (out of
// sight until one has focus, as a menu's select), kept in step with the drawn handles;
// only on a linear axis of whole years, as qcm's trend lines have
function addYearSelects(div) {
  const axis = div._fullLayout.xaxis || {};
  if (!axis.rangeslider || !axis.rangeslider.visible || axis.type !== "linear") return;
  const xs = div.data.flatMap((trace) => Array.from(trace.x || []));
  if (!xs.every((x) => typeof x === "number" && Number.isInteger(x))) return;
  const years = [...new Set(xs)].sort((a, b) => a - b);
  if (years.length < 2) return;
  const box = document.createElement("div");
  box.className = "chart-views chart-years";
  box.setAttribute("role", "group");
  const named = div.closest("figure").getAttribute("aria-label") || "the chart";
  const pick = (words, end, chosen) => {
    const label = document.createElement("label");
    label.append(words);
    const select = selectOf(
      years.map((year) => [String(year), String(year)]),
      String(chosen),
    );
    select.dataset.end = end;
    select.setAttribute("aria-label", `Years shown ${end}: ${named}`);
    label.appendChild(select);
    box.appendChild(label);
    return select;
  };
  const first = pick("Years shown from ", "from", years[0]);
  const last = pick(" to ", "to", years.at(-1));
  const show = () =>
    Plotly.relayout(div, { "xaxis.range": [Number(first.value) - 0.5, Number(last.value) + 0.5] });
  // a first year after the last moves the last with it, and the other way round
  first.addEventListener("change", () => {
    if (Number(first.value) > Number(last.value)) last.value = first.value;
    show();
  });
  last.addEventListener("change", () => {
    if (Number(last.value) < Number(first.value)) first.value = last.value;
    show();
  });
  // the handles dragged, or the range reset: the selects follow
  div.on("plotly_relayout", () => {
    const range = div.layout.xaxis.range || [years[0] - 0.5, years.at(-1) + 0.5];
    const [low, high] = yearsWithin(years, range.map(Number));
    first.value = String(low);
    last.value = String(high);
  });
  div.before(box);
}

// ---- a chart is drawn as it nears the screen: a long page (forty charts) opens at once and
// draws the rest as the reader scrolls; printing, or qcmDrawCharts(), draws every chart -----
const DRAWN = new WeakSet();
// how far beyond the screen a chart is drawn: a screen and a half, so that scrolling, or a
// keyboard moving down the page, meets charts already drawn with their menus' selects
const DRAW_AHEAD = "150% 0px";

function drawChart(div) {
  if (DRAWN.has(div)) return;
  DRAWN.add(div);
  // one chart that fails is reported, never keeps the others from being drawn
  try {
    const payload = chartPayload(div.dataset.chart);
    // the site's look (site_template.js), one copy per chart, as the figures carry none
    payload.figure.layout.template = structuredClone(window.QCM_PLOTLY_TEMPLATE);
    // the figure's height is its box's too, which Plotly keeps when the width changes; a
    // figure without one is as tall as Plotly draws it (the page kept Plotly's default
    // height for it until now: dashboards.figures.Chart.height)
    const height = payload.figure.layout.height;
    div.style.height = height ? `${height}px` : "";
    Plotly.newPlot(div, payload.figure.data, payload.figure.layout, chartConfig(div, payload));
    // the drawing reads as hundreds of numbers: a screen reader gets the figure's name and
    // its data table instead
    for (const svg of div.querySelectorAll("svg.main-svg")) {
      svg.setAttribute("aria-hidden", "true");
    }
    addMenuSelects(div, payload.figure.layout.updatemenus || []);
    addYearSelects(div);
    fitTitle(div);
    fitToWidth(div);
    // the page names the figure by its first title; a menu that changes it renames it,
    // and the new title, legend and rows are fitted to the chart's width
    div.on("plotly_update", () => {
      nameFigure(div);
      fitTitle(div);
      fitToWidth(div);
    });
  } catch (error) {
    console.error(`chart ${div.id}: ${error}`);
  }
}

function drawCharts() {
  for (const div of document.querySelectorAll("div.chart")) drawChart(div);
}
window.qcmDrawCharts = drawCharts;

// each chart keeps its height until drawn (the page gives it: dashboards.figures.Chart.height),
// so that the page does not move as charts are drawn above what the reader reads; without
// IntersectionObserver every chart is drawn
function drawNearTheScreen() {
  if (!("IntersectionObserver" in window)) {
    drawCharts();
    return;
  }
  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        near.unobserve(entry.target);
        drawChart(entry.target);
      }
    },
    { rootMargin: DRAW_AHEAD },
  );
  for (const div of document.querySelectorAll("div.chart")) near.observe(div);
  window.addEventListener("beforeprint", drawCharts);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("div.composite")) setupComposite(box);
  for (const details of document.querySelectorAll("details.data-table")) {
    details.addEventListener("toggle", () => {
      if (details.open) fillDataTable(details);
    });
  }
  drawNearTheScreen();
  // the width changed (a phone turned, a window narrowed): every title, legend and label
  // fitted again, once Plotly has redrawn the charts to their new width
  let resized;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(() => {
      for (const div of document.querySelectorAll("div.chart.js-plotly-plot")) {
        fitTitle(div);
        fitToWidth(div);
      }
    }, 300);
  });
  for (const button of document.querySelectorAll("button.csv")) {
    button.addEventListener("click", () => downloadCsv(button));
  }
  // the chart bar's camera as a button a keyboard reaches and a touch screen shows
  for (const button of document.querySelectorAll("button.image")) {
    button.addEventListener("click", () => {
      const div = document.getElementById(button.dataset.chart);
      if (div) drawChart(div); // drawn already, unless the reader came faster than the page
      if (!div || !div._fullLayout) return; // a chart that failed to draw (reported)
      downloadChartImage(div, chartPayload(div.dataset.chart)).catch((error) =>
        console.error(`chart ${div.id}: ${error}`),
      );
    });
  }
});
