"""The problem concepts dedupe compares texts on (see triage.dedupe): the surfaces of each concept, its kind and
the kinds' weights, and the filler words every complaint uses."""

KIND_WEIGHTS = {"O": 2.0, "S": 1.5, "L": 1.0, "G": 0.5}
# concept kind: surfaces. O = object/facility (what is wrong), S = symptom, L = where in the building, G = generic.
# A surface listed under several concepts means all of them; under "-" it means none (shields a longer word).
# A concept may take several lines.
LEXICON = """
window O: 窗户 窗子 窗框 窗扇 窗玻璃 塑钢窗 楼道窗 窗 窗缝 玻璃
door O: 单元门 楼门 防盗门 铁门 门锁 门禁 关不上 关不严 锁不上 门坏
entrance L: 门口 大门 单元门口 单元门前 楼门口 门前 校门口
heating O: 暖气 暖汽 暖气片 暖器 供暖 供热 采暖 取暖 热力 地暖 散热器 锅炉 暖 取暖费 供热费 暖气费 室温不达标 暖气管
heating O: 暧气
cold S: 不热 不暖和 冰凉 冰冷 冰手 冻 冷 冷风 室温 温度 度数 测温 棉袄 棉衣 凉 室温不达标 度
fee S: 费 收费 乱收费 缴费 交费 交钱 退费 涨价 贵 多收 价格 取暖费 供热费 暖气费 物业费 欠费
water O: 自来水 供水 二次供水 水压 水表 用水 停水 没水 没有水 没有自来水 不来水 没来水 断水 水龙头 水管 水质 黄水
leak S: 跑水 跑冒滴漏 漏 渗 灌 往里灌 进水 滴水 滴答 洇 返潮 泡 淹 湿 发霉 霉 漏气 漏风 漏雨 漏水 渗水 灌风
rain S: 雨 雨水 下雨 雨天 漏雨
wind S: 风 漏风 透风 灌风 刮风 进风 冷风 大风
sewer O: 下水道 下水 污水 排水 化粪池 下水井 地漏 马桶 脏水 返水 冒水 雨水井 臭水 臭水汤子
overflow S: 堵 堵塞 不通 憋 冒 返水 冒水 溢 漫 外溢
smell S: 臭 异味 味 气味 恶臭 臭味 熏 呛 煤气味 油烟 油烟味 刺鼻 化学味 臭烘烘 难闻
manhole O: 井盖 井口 窨井 井圈 井 下水井 盖子 没盖 没有盖子 没盖子
missing S: 丢 丢失 偷 被偷 偷走 不见 缺失 没盖 没有盖子 没盖子
hole S: 坑 窟窿 洞 塌 塌陷 陷 坑洼 坑坑洼洼 大坑
light O: 灯 路灯 照明 灯泡 灯杆 楼道灯 声控灯
sign O: 站牌 指示牌 路牌 牌子 标识 标志 公交站牌
frequency S: 班次少 班次太少 车次少 车次太少 间隔 等半天 等半小时 等车 等不来 来不了
cleaning S: 打扫 卫生 保洁 清扫 扫 清理
occupy S: 占 占用 占道 占着 挡 挡道 堵着 停满 停满车
dark S: 黑 漆黑 黑灯瞎火 黑咕隆咚 看不见 看不清 摸黑 黑漆漆 黑乎乎 不亮
broken G: 坏 损坏 破 破损 失灵 不好使 不管用 故障 毛病 不亮 灭 停运
snow O: 雪 清雪 积雪 除雪 扫雪 雪堆 铲雪
ice S: 冰 结冰 冰面 冰溜子 冰溜 冰坨 冰包 冰凌 滑 打滑 出溜
fall G: 摔 摔倒 摔跤 跟头 崴脚 绊 掉下去 掉进
drop S: 掉 脱落 掉渣 砸 坠落 往下掉
elevator O: 电梯 直梯 轿厢 困人 升降机
stairwell L: 楼道 楼梯 楼梯间 单元门洞 门洞 走廊 过道 楼梯口 缓台 楼洞 楼道灯 楼道窗 声控灯
roof O: 楼顶 房顶 屋顶 顶楼 顶层 防水 天花板 棚顶 房盖 屋面
wall O: 外墙 墙皮 墙面 墙体 保温层 外保温 墙
garbage O: 垃圾 垃圾箱 垃圾桶 垃圾站 清运 杂物 乱扔 堆放 破烂 建筑垃圾 渣土 偷倒 乱倒 倒垃圾
noise O: 噪音 噪声 吵 扰民 轰隆 动静 音响 跺 广场舞 电钻 嗡嗡 砸墙 音箱 喇叭 大喇叭 按喇叭 鸣笛 吵吵
night G: 半夜 深夜 夜里 夜间 晚上 凌晨
site L: 工地 工厂 车间 地下室
construction O: 施工 装修 打桩 搅拌 砸墙
parking O: 停车 车位 乱停 停放 停满 停满车 僵尸车
vehicle G: 车 车辆 汽车 私家车 停满车 僵尸车 破车
fire_lane O: 消防通道 消防 生命通道 着火 救火 消防车 救火车 应急车道 救护车
traffic_signal O: 红绿灯 信号灯
traffic_jam O: 堵车 拥堵 塞车
bus O: 公交 公交车 公交站 站点 线路 班次 车次 末班 首班 班次少 班次太少 车次少 车次太少 公交站牌
property O: 物业 物业公司 物业费 保安 门卫 业委会
wage O: 工资 工钱 薪 欠薪 薪水 劳务费 血汗钱 讨薪
arrears S: 拖欠 欠 不给 没给 不给交 没交 没发 不发 拖着 讨要 赖账 欠薪 讨薪 没到账 不到账
social_ins O: 社保 养老保险 医保 医疗保险 五险 保险 参保 报销
pension O: 养老金 退休金 退休工资 退休费
dibao O: 低保 救助 困难补助 补助 补贴
elderly_care O: 养老院 敬老院 助餐 老年食堂 居家养老
disability O: 残疾 轮椅 无障碍
school O: 学校 学生 上学 入学 幼儿园 小学 中学 学区 老师 校门 补课
medical O: 医院 看病 挂号 诊所 住院 大夫 医生 药 卫生院 卫生服务中心 社区卫生
wait S: 排队 排半天 排长队 排半天队 等太久 等很久 太慢
shortage S: 不全 买不到 缺货 短缺 没货 断药 没药 缺药
no_response S: 没消息 没批 没人回话 没回音 没下文 没答复 不给办 拿不到 办不下来 没办下来 推来推去 推诿
crack S: 裂 裂缝 开裂 震裂
leash S: 拴绳 牵绳 不拴 不牵 绳
abandoned S: 僵尸车 废弃 没人动 轮胎瘪 轮胎都瘪 放了好几年
shelter O: 候车亭 遮雨棚 雨棚
bike_shed O: 车棚 自行车棚
driving S: 开车太猛 急刹 急刹车 开快车 司机
ebike G: 电动车 电瓶车
charging S: 充电 飞线 私接
steps L: 台阶
ac O: 空调 外机 空调外机
gas O: 燃气 煤气 天然气 燃气表 漏气 煤气味
power O: 停电 断电 电压 电表 电线 电路 供电 没电 跳闸 打火 火花
outage S: 停水 停电 停气 断水 断电 断气 没水 没电 没气 没有水 没有自来水 不来水 没来水
pollution O: 油烟 烟 排烟 粉尘 扬尘 灰尘 烧烤 黑烟 污染 排放 油烟味 废气 偷排 排废气 烧塑料
pests O: 老鼠 耗子 蟑螂 蚊子 苍蝇 虫
dog O: 狗 犬 遛狗 狗屎 宠物
tree O: 树 树枝 树木 枝子 修剪 杨树 柳树 枯树 死树
cut S: 砍 锯 伐 砍伐
handrail O: 扶手 栏杆 护栏
fitness O: 健身器材 健身器械 器材 健身
water_heater O: 太阳能 热水器
loose S: 松 松动 晃 晃悠 摇晃 晃晃悠悠
vendor O: 摊贩 小贩 摊 摆摊 占道经营 夜市 早市 摊位
illegal_build O: 违建 违章 私搭乱建 乱搭 私建 彩钢房 扩建 搭建 棚子 大棚子 往外扩
housing O: 回迁 回迁房 棚改 房本 产权证 不动产证 房产证 安置 拆迁 廉租房 公租房 保障房
road O: 路面 马路 道路 人行道 便道 胡同 巷 过马路
crossing L: 路口 十字路口 交叉口
repair G: 修 维修 修理 修缮 抢修
risk G: 安全 隐患 危险 出事 提心吊胆 害怕
service O: 窗口 办事 办理 手续 审批 大厅
attitude O: 态度 骂人 脸色 爱答不理
food O: 食品 三无 过期食品 变质 牛奶 酸奶 面包 猪肉 病死猪肉 熟食 饮料
expired S: 过期 到期 年检 保质期 过了保质期 过保质期
toilet O: 公厕 厕所 卫生间
dead S: 枯死 干死 枯萎 枯树 死树
illegal_taxi O: 黑车 拉客 拉活 揽客 强行拉人
amusement O: 游乐设施 游乐项目 游乐场 游乐园 过山车 摩天轮
rust S: 锈 生锈 锈迹 锈蚀
swill O: 泔水 剩菜 剩饭 剩菜剩饭 潲水 地沟油
meal O: 午饭 午餐 饭菜 伙食 伙食费 餐费 吃不饱 难吃 配餐
uniform O: 校服 教辅 资料费
- X: 反映 反应 反馈 部门 电话 风险 作风 风气 黑龙江 出门 上门 冷漠 费劲 费事 浪费 热线 冰箱 车间 欠条
- X: 松花江 松北 扶着墙 扶墙 开窗 通知 不通知 没通知 睡不着
"""

FILLER = """
您好 你好 请问 麻烦 谢谢 感谢 希望 尽快 早日 赶紧 抓紧 解决 处理 反映 反应 问题 情况 领导 相关部门 有关部门
政府 代表 帮忙 帮助 一下 我们 我家 俺家 咱们 住户 居民 大家 老百姓 这个 那个 一直 现在 已经 好几 多次 很多
非常 特别 实在 真是 根本 没人管 没有人管 无人管 没人 受不了 怎么办 能不能 可以 什么 时候 一点 有点 怎么
的 了 是 都 也 还 就 在 有 吧 啊 呢 吗 呀 嘛 着 很 太 把 被 给 让 我 你 他 她 这 那 个 啥 里 上 下 又
"""  # words every complaint uses: dropped before char bigrams
