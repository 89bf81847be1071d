import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a as C,b as p,c as E,d as A,e as L}from"./chunk-BN27CBWZ.js";import{f as d,g as P,h as b}from"./chunk-HW2HMXZ7.js";import{a as I,b as T,c as F,d as M}from"./chunk-XHE4DMC6.js";import{c as $}from"./chunk-N2OOTJJE.js";import{a as m,b as k}from"./chunk-RMM3FQ3I.js";import"./chunk-CVIAFCHR.js";import{mkdirSync as X}from"node:fs";import{join as j}from"node:path";import{DuckDBInstance as K,dateValue as Y}from"@duckdb/node-api";var G=4*1024*1024,J=16,S=0,_=1,w=2,B=3,y=n=>`try_cast(${n} AS DOUBLE)`,O=n=>`(${n} = '' OR ${n} = 'null')`,H=n=>`(${n} IS NOT NULL AND isfinite(${n}) AND ${n} > 0 AND ${n} < ${1e12})`,g=(n,e,t)=>`(${O(n)} OR (${e} IS NOT NULL AND isfinite(${e}) AND ${e} >= 0${t?` AND ${e} < ${1e12}`:""}))`;async function W(n,e,t){let s=new Map(e.map((i,o)=>({symbol:i.symbol,i:o})).sort((i,o)=>i.symbol<o.symbol?-1:i.symbol>o.symbol?1:i.i-o.i).map((i,o)=>[i.i,o]));await n.run("CREATE OR REPLACE TABLE csv_files (file_id INTEGER, path VARCHAR, symbol VARCHAR, rank INTEGER)");let r=await n.createAppender("csv_files");try{e.forEach((i,o)=>{r.appendInteger(o),r.appendVarchar(i.path),r.appendVarchar(i.symbol),r.appendInteger(s.get(o)),r.endRow()}),r.flushSync()}finally{r.closeSync()}let a=`read_csv([${e.map(i=>p(i.path)).join(", ")}], columns = {'line': 'VARCHAR'},
    header = true, delim = chr(1), quote = '', escape = '', auto_detect = false,
    buffer_size = ${G})`;await n.run(`CREATE OR REPLACE TABLE csv_checked AS
    WITH lines AS (
      SELECT file_id, line, wide,
        CASE WHEN coalesce(strlen(line), 0) < ${J} OR wide THEN coalesce(trim(line), '') = '' ELSE false END
          AS blank
      FROM (SELECT CAST(file_index AS INTEGER) AS file_id, line, strlen(line) <> length(line) AS wide FROM ${a})
    ), cells AS (
      SELECT file_id, blank, len(c) AS n, c[1] AS d_txt, c[2] AS o_txt, c[3] AS h_txt, c[4] AS l_txt,
        c[5] AS c_txt, c[6] AS a_txt, c[7] AS v_txt
      FROM (
        SELECT file_id, blank,
          CASE WHEN contains(line, ' ') OR wide THEN list_transform(string_split(line, ','), x -> trim(x))
          ELSE string_split(line, ',') END AS c
        FROM lines
      ) r
    ), typed AS (
      SELECT *, try_cast(d_txt AS DATE) AS d, ${y("o_txt")} AS o, ${y("h_txt")} AS h, ${y("l_txt")} AS l,
        ${y("c_txt")} AS cl, ${y("a_txt")} AS a, ${y("v_txt")} AS v
      FROM cells
    ), dated AS (
      SELECT *, CASE WHEN CAST(d AS VARCHAR) = d_txt THEN true ELSE strftime(d, '%Y-%m-%d') = d_txt END AS d_ok
      FROM typed
    ), judged AS (
      SELECT *, CAST(CASE
        WHEN blank THEN ${B}
        WHEN n <> 7 OR d IS NULL OR NOT d_ok THEN ${w}
        WHEN ${O("c_txt")} OR ${O("a_txt")} THEN ${_}
        WHEN ${H("cl")} AND ${H("a")} AND ${g("o_txt","o",!0)}
          AND ${g("h_txt","h",!0)} AND ${g("l_txt","l",!0)}
          AND ${g("v_txt","v",!1)} THEN ${S}
        ELSE ${w} END AS UTINYINT) AS kind
      FROM dated
    )
    SELECT file_id, kind,
      CASE WHEN kind = ${B} OR (kind = ${w} AND (n <> 7 OR d_ok IS NOT true)) THEN NULL ELSE d END AS date,
      o AS open, h AS high, l AS low, cl AS close, a AS adj_close, v AS volume
    FROM judged`),await n.run(`CREATE OR REPLACE TABLE csv_repeats AS
    SELECT file_id, date, count(*) AS n, count(*) FILTER (WHERE kind = ${_}) AS nulls
    FROM csv_checked WHERE date IS NOT NULL GROUP BY ALL HAVING count(*) > 1`);let l=`date BETWEEN DATE ${p(t.start)} AND DATE ${p(t.end)}`;return(await n.runAndReadAll(`
    WITH per_file AS (
      SELECT file_id,
        count(*) FILTER (WHERE kind = ${S} AND ${l}) AS bars,
        count(*) FILTER (WHERE kind = ${_}) AS null_rows,
        count(*) FILTER (WHERE kind = ${w}) AS bad_rows,
        CAST(min(date) FILTER (WHERE kind = ${S}) AS VARCHAR) AS first,
        CAST(max(date) FILTER (WHERE kind = ${S}) AS VARCHAR) AS last
      FROM csv_checked GROUP BY file_id
    ), repeats AS (
      SELECT r.file_id, sum(r.n) AS n, sum(r.nulls) AS nulls, sum(c.good_in_range) AS good_in_range,
        sum(c.bad) AS bad
      FROM csv_repeats r JOIN (
        SELECT file_id, date, count(*) FILTER (WHERE kind = ${S} AND ${l}) AS good_in_range,
          count(*) FILTER (WHERE kind = ${w}) AS bad
        FROM csv_checked SEMI JOIN csv_repeats USING (file_id, date) GROUP BY ALL
      ) c USING (file_id, date)
      GROUP BY r.file_id
    )
    SELECT f.file_id, coalesce(p.bars, 0) - coalesce(r.good_in_range, 0) AS bars,
      coalesce(p.null_rows, 0) - coalesce(r.nulls, 0) AS null_rows,
      coalesce(p.bad_rows, 0) + coalesce(r.n, 0) - coalesce(r.bad, 0) AS bad_rows, p.first, p.last
    FROM csv_files f LEFT JOIN per_file p USING (file_id) LEFT JOIN repeats r USING (file_id)
    ORDER BY f.file_id`)).getRowsJS().map(i=>{let o=e[Number(i[0])];return{symbol:o.symbol,path:o.path,bars:Number(i[1]),nullRows:Number(i[2]),badRows:Number(i[3]),first:i[4]===null?null:String(i[4]),last:i[5]===null?null:String(i[5])}})}async function x(n,e){await n.run("ALTER TABLE csv_files ADD COLUMN kept BOOLEAN DEFAULT false"),e.length>0&&await n.run(`UPDATE csv_files SET kept = true WHERE file_id IN (${e.join(", ")})`)}function V(n,e){return`SELECT f.rank, f.symbol, c.date, c.open, c.high, c.low, c.close, c.adj_close, c.volume
    FROM csv_checked c JOIN csv_files f USING (file_id)
    WHERE c.kind = ${S} AND c.date BETWEEN DATE ${p(n.start)} AND DATE ${p(n.end)}
      AND f.kept${e?" AND NOT EXISTS (SELECT 1 FROM csv_repeats r WHERE r.file_id = c.file_id AND r.date = c.date)":""}`}async function U(n){for(let e of["csv_checked","csv_repeats","csv_files"])await n.run(`DROP TABLE IF EXISTS ${e}`)}var D=class n{name="duckdb";lake;instance;conn;logger;queue=new I;constructor(e,t,s,r){this.lake=e,this.instance=t,this.conn=s,this.logger=r}static async open(e,t={}){let s=j(e.workdir,"tmp","duckdb");X(s,{recursive:!0});let r={memory_limit:t.memoryLimit??b,temp_directory:s,preserve_insertion_order:"false"};t.threads&&(r.threads=String(t.threads));let a=await K.create(":memory:",r),l=await a.connect();return new n(e,a,l,t.logger??$)}readMeta(e){return this.lake.withReadLock(async()=>this.lake.readMeta(e))}async writePrices(e,t){return this.serial(()=>this.lake.withLock(()=>this.mergePrices(e,t)))}async mergePrices(e,t){if(e.length===0){let r=this.lake.readMeta(d.prices);return{rows:r?.rows??0,symbols:r?.symbols.length??0}}await this.conn.run(`CREATE OR REPLACE TABLE incoming_raw (seq INTEGER, ${T.map(r=>`${E(r.name)} ${r.type}`).join(", ")})`);let s=await this.conn.createAppender("incoming_raw");try{for(let r=0;r<e.length;r++)Q(s,e[r],r);s.flushSync()}finally{s.closeSync()}await this.conn.run(`CREATE OR REPLACE TABLE incoming AS
      SELECT * EXCLUDE (seq) FROM incoming_raw QUALIFY row_number() OVER (PARTITION BY symbol, date ORDER BY seq DESC) = 1`),await this.conn.run("DROP TABLE incoming_raw");try{return await this.mergeIncoming(e.length,[...new Set(e.map(r=>r.symbol))],t)}finally{await this.conn.run("DROP TABLE IF EXISTS incoming")}}async loadCsvPrices(e){return this.serial(async()=>{try{let t=await W(this.conn,e.files,e.range),s=await e.judge(t),r=s.reduce((i,o)=>i+(t[o]?.bars??0),0);if(r===0){let i=this.lake.readMeta(d.prices);return{written:{rows:i?.rows??0,symbols:i?.symbols.length??0},counts:t}}await x(this.conn,s);let a=await this.scalar("SELECT count(*) FROM csv_repeats")>0;await this.conn.run(`CREATE OR REPLACE VIEW incoming AS ${V(e.range,a)}`);let l=s.map(i=>e.files[i].symbol);return{written:await this.lake.withLock(()=>this.mergeIncoming(r,l,e.meta,"rank, date")),counts:t}}finally{await this.conn.run("DROP VIEW IF EXISTS incoming"),await U(this.conn)}})}async mergeIncoming(e,t,s,r="symbol, date"){let a=this.lake.parquetFiles(d.prices),l=this.lake.readMeta(d.prices),c=T.map(u=>E(u.name)).join(", "),i,o="symbol, date";if(a&&l){let u=`(SELECT ${c} FROM ${A(a)})`;if(await this.scalar(`SELECT count(*) FROM incoming i LEFT JOIN ${u} e USING (symbol, date)
        WHERE e.symbol IS NULL OR ${T.slice(2).map(N=>`i.${E(N.name)} IS DISTINCT FROM e.${E(N.name)}`).join(" OR ")}`)===0)return this.logger.info(`prices: ${e} bars already in the lake, nothing to write`),{rows:l.rows,symbols:l.symbols.length};i=`SELECT ${c} FROM ${u} e ANTI JOIN incoming i USING (symbol, date)
        UNION ALL SELECT ${c} FROM incoming`}else i="SELECT * FROM incoming",o=r;await this.conn.run(`CREATE OR REPLACE VIEW merged_prices AS ${i}`);let R=[...new Set([...l?.symbols??[],...t])].sort(),h=await this.lake.writeTable(d.prices,async u=>({rows:await this.copyToParquet(`SELECT ${c} FROM merged_prices ORDER BY ${o}`,u,"prices")}),{source:ee(l?.source,s.source),synthetic:(l?.synthetic??!1)||s.synthetic,rows:0,symbols:R});return await this.conn.run("DROP VIEW merged_prices"),this.logger.info(`prices: ${h.rows} bars for ${R.length} symbols in ${this.lake.tableDir(d.prices)}`),{rows:h.rows,symbols:R.length}}async computeBreadth(e){return this.serial(()=>this.lake.withLock(()=>this.breadth(e)))}async breadth(e){let t=this.lake.parquetFiles(d.prices),s=this.lake.readMeta(d.prices);if(!t||!s||s.rows===0)throw new m(`no prices in the lake of workdir ${this.lake.workdir}`,{hint:"run `bf data fetch` first (or pass --workdir / BF_HOME pointing at the workdir that holds them)"});let r;if(e===void 0)r=s.symbols,await this.conn.run(`CREATE OR REPLACE VIEW prices AS SELECT * FROM ${A(t)}`);else{if(r=[...new Set(e)].sort(),r.length===0)throw new k("the symbol list is empty","give at least one symbol");let o=new Set(s.symbols),R=r.filter(u=>!o.has(u));if(R.length>0)throw new m(`${R.length} of ${r.length} symbols have no prices in the lake of workdir ${this.lake.workdir}: ${R.join(", ")}`,{hint:"run `bf data fetch` for them first, or remove them from the list"});await this.conn.run("CREATE OR REPLACE TABLE wanted_symbols (symbol VARCHAR)");let h=await this.conn.createAppender("wanted_symbols");try{for(let u of r)h.appendVarchar(u),h.endRow();h.flushSync()}finally{h.closeSync()}await this.conn.run(`CREATE OR REPLACE VIEW prices AS
        SELECT * FROM ${A(t)} WHERE symbol IN (SELECT symbol FROM wanted_symbols)`)}let a={source:s.source,synthetic:s.synthetic,rows:0,symbols:r};await this.lake.writeTable(d.features,async o=>({rows:await this.copyToParquet(C("features"),o,"features")}),a);let l=this.lake.parquetFiles(d.features)??[];await this.conn.run(`CREATE OR REPLACE VIEW features AS SELECT * FROM ${A(l)}`),await this.conn.run(`CREATE OR REPLACE TABLE breadth_result AS
${C("breadth")}
`),await this.lake.writeTable(d.breadth,async o=>({rows:await this.copyToParquet("SELECT * FROM breadth_result ORDER BY date",o,"breadth")}),a);let i=(await this.conn.runAndReadAll("SELECT * REPLACE (CAST(date AS VARCHAR) AS date) FROM breadth_result ORDER BY date")).getRowObjectsJS().map(M);return await this.conn.run("DROP TABLE breadth_result"),await this.conn.run("DROP VIEW features"),await this.conn.run("DROP VIEW prices"),i}writeTables(e){return this.serial(()=>this.lake.withLock(async()=>{let t=[];for(let s of e)t.push(await this.replaceRows(s.table,s.rows,s.columns,s.meta??{}));return t}))}async writeRows(e,t,s,r={}){return this.serial(()=>this.replaceRows(e,t,s,r))}async replaceRows(e,t,s,r){F(e,s),await this.conn.run(`CREATE OR REPLACE TABLE rows_in (${s.map(i=>`${E(i.name)} ${i.type}`).join(", ")})`);let a=await this.conn.createAppender("rows_in");try{for(let i of t){for(let o of s)z(a,o,i[o.name]??null,e);a.endRow()}a.flushSync()}finally{a.closeSync()}let l=s.some(i=>i.name==="symbol")?(await this.column("SELECT DISTINCT symbol FROM rows_in WHERE symbol IS NOT NULL")).map(String):[],c=await this.lake.writeTable(e,async i=>{await this.copyToParquet("SELECT * FROM rows_in",i,e)},{source:r.source??"bf",synthetic:r.synthetic??!1,rows:t.length,symbols:l});return await this.conn.run("DROP TABLE rows_in"),c}async readRows(e){return this.serial(()=>this.lake.withReadLock(()=>this.selectRows(e)))}async selectRows(e){let t=this.lake.parquetFiles(e);if(!t)throw new m(`table ${e} does not exist in the lake of workdir ${this.lake.workdir}`,{hint:"run the command that produces it first"});let r=(await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${A(t)}`)).getRowObjectsJS().map(l=>{let c=String(l.column_name);return String(l.column_type)==="DATE"?`CAST(${E(c)} AS VARCHAR) AS ${E(c)}`:E(c)}).join(", ");return(await this.conn.runAndReadAll(`SELECT ${r} FROM ${A(t)}`)).getRowObjectsJS().map(l=>{let c={};for(let[i,o]of Object.entries(l))c[i]=Z(o);return c})}async close(){await this.queue.idle(),this.conn.closeSync(),this.instance.closeSync()}serial(e){return this.queue.run(async()=>{try{return await e()}catch(t){throw t instanceof Error&&/^Out of Memory Error/.test(t.message)?new m(`the embedded engine ran out of memory: ${t.message.split(`
`)[0]}`,{cause:t,hint:`raise ${P} (default ${b}); it spills the rest to <workdir>/tmp/duckdb`}):t}})}async copyToParquet(e,t,s){let r=j(t,`${s}.parquet`),a=await this.conn.runAndReadAll(`COPY (
${e}
) TO ${p(r)} (FORMAT parquet, COMPRESSION snappy)`);return Number(a.getRowsJS()[0]?.[0]??0)}async scalar(e){let t=await this.conn.runAndReadAll(e);return Number(t.getRowsJS()[0]?.[0]??0)}async column(e){return(await this.conn.runAndReadAll(e)).getRowsJS().map(s=>s[0])}};function Q(n,e,t){let s=L(e.date);if(typeof e.symbol!="string"||e.symbol.length===0||s===null)throw new m(`bad bar #${t}: symbol ${JSON.stringify(e.symbol)}, date ${JSON.stringify(e.date)}`,{hint:"bars need a symbol and an ISO YYYY-MM-DD date"});if(!Number.isFinite(e.adjClose)||e.adjClose<=0)throw new m(`bad bar ${e.symbol} ${e.date}: adjusted close ${e.adjClose} is not a positive number`,{hint:"drop or repair the bar at the source before writing it"});n.appendInteger(t),n.appendVarchar(e.symbol),n.appendDate(Y(s)),f(n,e.open),f(n,e.high),f(n,e.low),f(n,e.close),n.appendDouble(e.adjClose),f(n,e.volume),n.endRow()}function f(n,e){e==null||!Number.isFinite(e)?n.appendNull():n.appendDouble(e)}function z(n,e,t,s){if(t===null){n.appendNull();return}let r=()=>new m(`writeRows(${s}): column ${e.name} (${e.type}) cannot hold ${JSON.stringify(t)}`);switch(e.type){case"VARCHAR":n.appendVarchar(String(t));return;case"DOUBLE":if(typeof t!="number")throw r();n.appendDouble(t);return;case"BIGINT":if(typeof t!="number"||!Number.isInteger(t))throw r();n.appendBigInt(BigInt(t));return;case"INTEGER":if(typeof t!="number"||!Number.isInteger(t))throw r();n.appendInteger(t);return;case"BOOLEAN":if(typeof t!="boolean")throw r();n.appendBoolean(t);return;case"DATE":{let a=typeof t=="string"?L(t):null;if(a===null)throw r();n.appendDate(Y(a));return}}}function Z(n){return n==null?null:typeof n=="bigint"?Number(n):typeof n=="number"||typeof n=="string"||typeof n=="boolean"?n:String(n)}function ee(n,e){return[...new Set([...n?n.split("+"):[],...e.split("+")])].sort().join("+")}export{D as DuckDbEngine};
